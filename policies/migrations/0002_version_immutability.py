"""Approved policy versions are immutable, enforced by PostgreSQL itself.

Once a version has left draft/in review, an UPDATE may only move its status forward
(approved → published | retired, published → superseded | retired) and fill the stamps of
that move (who and when) once; any change to its content, number, author or approval
raises, and so does a DELETE. New rows start as drafts. This holds for the ORM, bulk
updates and raw SQL alike, for the application role and the owner.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION policies_version_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    workflow text[] := ARRAY['status', 'published_by_id', 'published_at',
                             'superseded_by_id', 'superseded_at', 'retired_by_id', 'retired_at'];
    stamp text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'policy version: a new version must start as a draft, not %',
                NEW.status USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status IN ('draft', 'in_review') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'policy version % is %: it is immutable and cannot be deleted',
            OLD.id, OLD.status USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(OLD) - workflow) IS DISTINCT FROM (to_jsonb(NEW) - workflow) THEN
        RAISE EXCEPTION 'policy version % is %: its content is immutable', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.status <> OLD.status AND NOT (
        (OLD.status = 'approved' AND NEW.status IN ('published', 'retired'))
        OR (OLD.status = 'published' AND NEW.status IN ('superseded', 'retired'))
    ) THEN
        RAISE EXCEPTION 'policy version % is %: it cannot become % (immutable workflow)',
            OLD.id, OLD.status, NEW.status USING ERRCODE = 'restrict_violation';
    END IF;
    FOREACH stamp IN ARRAY workflow[2:7] LOOP
        IF to_jsonb(OLD) -> stamp <> 'null'::jsonb
           AND (to_jsonb(OLD) -> stamp) IS DISTINCT FROM (to_jsonb(NEW) -> stamp) THEN
            RAISE EXCEPTION 'policy version % is %: % is immutable once set',
                OLD.id, OLD.status, stamp USING ERRCODE = 'restrict_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS policies_version_guard ON policies_policyversion;
CREATE TRIGGER policies_version_guard
    BEFORE INSERT OR UPDATE OR DELETE ON policies_policyversion
    FOR EACH ROW EXECUTE FUNCTION policies_version_guard();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS policies_version_guard ON policies_policyversion;
DROP FUNCTION IF EXISTS policies_version_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
