"""Approved scope statement versions are immutable, in the database too (4.3: the scope is
kept as documented information; a change is a new version): once a version's status is
`approved`, every UPDATE and DELETE of its row is refused, whatever path it comes through
(service, API, admin, raw SQL). AFTER row trigger: row-level security has had its say."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION monitoring_context_scope_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'approved' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Scope statement % is approved and immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_context_scope_immutable
    ON monitoring_context_scopestatement;
CREATE TRIGGER monitoring_context_scope_immutable
    AFTER UPDATE OR DELETE ON monitoring_context_scopestatement
    FOR EACH ROW EXECUTE FUNCTION monitoring_context_scope_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS monitoring_context_scope_immutable ON monitoring_context_scopestatement;
DROP FUNCTION IF EXISTS monitoring_context_scope_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("monitoring_context", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
