"""Immutable means immutable, in the database too (whatever path a change comes through):

- an approved AI impact assessment refuses every UPDATE except the one that marks it
  superseded by a newer approved assessment (status, superseded_by_id, superseded_at only),
  and a superseded one refuses every UPDATE; neither can be deleted;
- an SoA snapshot refuses every UPDATE and DELETE.

AFTER row triggers: they abort the statement all the same, and run after row-level security
has had its say (moving a row to another tenant is refused as an RLS violation first).
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION risks_impactassessment_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    allowed text[] := ARRAY['status', 'superseded_by_id', 'superseded_at'];
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'superseded'
       AND (to_jsonb(NEW) - allowed) = (to_jsonb(OLD) - allowed) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'AI impact assessment % is % and immutable: % refused',
        OLD.id, OLD.status, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS risks_impactassessment_immutable ON risks_impactassessment;
CREATE TRIGGER risks_impactassessment_immutable
    AFTER UPDATE OR DELETE ON risks_impactassessment
    FOR EACH ROW EXECUTE FUNCTION risks_impactassessment_immutable();

CREATE OR REPLACE FUNCTION risks_soasnapshot_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'SoA snapshot % is immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS risks_soasnapshot_immutable ON risks_soasnapshot;
CREATE TRIGGER risks_soasnapshot_immutable
    AFTER UPDATE OR DELETE ON risks_soasnapshot
    FOR EACH ROW EXECUTE FUNCTION risks_soasnapshot_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS risks_impactassessment_immutable ON risks_impactassessment;
DROP FUNCTION IF EXISTS risks_impactassessment_immutable();
DROP TRIGGER IF EXISTS risks_soasnapshot_immutable ON risks_soasnapshot;
DROP FUNCTION IF EXISTS risks_soasnapshot_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
