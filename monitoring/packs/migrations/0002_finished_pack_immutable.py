"""A finished evidence pack is kept unchanged, in the database too: once its status is `done`
every UPDATE of its row is refused, and a DELETE too unless the transaction declares an
administrator's deletion (monitoring.packs.services.pack_delete sets app.pack_deletion),
which the audit trigger then records with its actor. AFTER row triggers: row-level security
has had its say first."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION monitoring_packs_pack_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'done' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' AND current_setting('app.pack_deletion', true) = 'admin' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Evidence pack % is finished and immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_packs_pack_immutable ON monitoring_packs_evidencepack;
CREATE TRIGGER monitoring_packs_pack_immutable
    AFTER UPDATE OR DELETE ON monitoring_packs_evidencepack
    FOR EACH ROW EXECUTE FUNCTION monitoring_packs_pack_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS monitoring_packs_pack_immutable ON monitoring_packs_evidencepack;
DROP FUNCTION IF EXISTS monitoring_packs_pack_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("monitoring_packs", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
