"""A check run is evidence: the database refuses UPDATE and DELETE of a run, whatever the
path (service, API, admin, raw SQL). AFTER row trigger, as risks' immutability triggers."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION monitoring_checks_checkrun_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Check run % is immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_checks_checkrun_immutable ON monitoring_checks_checkrun;
CREATE TRIGGER monitoring_checks_checkrun_immutable
    AFTER UPDATE OR DELETE ON monitoring_checks_checkrun
    FOR EACH ROW EXECUTE FUNCTION monitoring_checks_checkrun_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS monitoring_checks_checkrun_immutable ON monitoring_checks_checkrun;
DROP FUNCTION IF EXISTS monitoring_checks_checkrun_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("monitoring_checks", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
