"""A control test result is evidence: UPDATE and DELETE are refused in the database."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION monitoring_checks_controltestresult_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Control test result % is immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_checks_controltestresult_immutable
    ON monitoring_checks_controltestresult;
CREATE TRIGGER monitoring_checks_controltestresult_immutable
    AFTER UPDATE OR DELETE ON monitoring_checks_controltestresult
    FOR EACH ROW EXECUTE FUNCTION monitoring_checks_controltestresult_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS monitoring_checks_controltestresult_immutable
    ON monitoring_checks_controltestresult;
DROP FUNCTION IF EXISTS monitoring_checks_controltestresult_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("monitoring_checks", "0003_control_evidence_plans_tests")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
