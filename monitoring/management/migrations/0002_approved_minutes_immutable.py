"""Approved management review minutes are immutable, in the database too (9.3.3: the
results are kept as documented information): once a review's status is `approved`, every
UPDATE and DELETE of its row is refused, whatever path it comes through (service, API,
admin, raw SQL). AFTER row trigger: row-level security has had its say first."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION monitoring_management_review_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'approved' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Management review % is approved and immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_management_review_immutable
    ON monitoring_management_managementreview;
CREATE TRIGGER monitoring_management_review_immutable
    AFTER UPDATE OR DELETE ON monitoring_management_managementreview
    FOR EACH ROW EXECUTE FUNCTION monitoring_management_review_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS monitoring_management_review_immutable
    ON monitoring_management_managementreview;
DROP FUNCTION IF EXISTS monitoring_management_review_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("monitoring_management", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
