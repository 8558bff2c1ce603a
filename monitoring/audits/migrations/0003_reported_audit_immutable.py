"""An issued internal audit report is kept unchanged, in the database too (9.2.2: the audit
results are retained as documented information): once an audit's status is `reported`,
every UPDATE and DELETE of its row is refused, whatever path it comes through (service, API,
admin, raw SQL). Its findings keep what was found: their kind, description and evidence
cannot change and they cannot be deleted; only the link to the nonconformity a finding
raised may still be set (one click from the finding, after the report). AFTER row triggers:
row-level security has had its say first."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION monitoring_audits_audit_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'reported' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Audit % is reported and immutable: % refused', OLD.id, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_audits_audit_immutable ON monitoring_audits_audit;
CREATE TRIGGER monitoring_audits_audit_immutable
    AFTER UPDATE OR DELETE ON monitoring_audits_audit
    FOR EACH ROW EXECUTE FUNCTION monitoring_audits_audit_immutable();

CREATE OR REPLACE FUNCTION monitoring_audits_finding_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM monitoring_audits_audit WHERE id = OLD.audit_id AND status = 'reported'
    ) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
        AND NEW.audit_id = OLD.audit_id
        AND NEW.organization_id = OLD.organization_id
        AND NEW.kind = OLD.kind
        AND NEW.description = OLD.description
        AND NEW.evidence = OLD.evidence
        AND NEW.created = OLD.created THEN
        RETURN NULL;  -- only the raised nonconformity changed
    END IF;
    RAISE EXCEPTION 'Finding % belongs to a reported audit and is immutable: % refused',
        OLD.id, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS monitoring_audits_finding_immutable ON monitoring_audits_auditfinding;
CREATE TRIGGER monitoring_audits_finding_immutable
    AFTER UPDATE OR DELETE ON monitoring_audits_auditfinding
    FOR EACH ROW EXECUTE FUNCTION monitoring_audits_finding_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS monitoring_audits_finding_immutable ON monitoring_audits_auditfinding;
DROP FUNCTION IF EXISTS monitoring_audits_finding_immutable();
DROP TRIGGER IF EXISTS monitoring_audits_audit_immutable ON monitoring_audits_audit;
DROP FUNCTION IF EXISTS monitoring_audits_audit_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("monitoring_audits", "0002_auditor_grants")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
