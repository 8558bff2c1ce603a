"""The audit trail becomes a hash chain per organisation (isms.audit_chain).

- `guardrail_audit_content(event)`: the bytes an event's hash covers, the JSON text of
  [id, organisation, table, object, action, changes, actor id, actor, request id,
  occurred_at in microseconds since 1970] (jsonb's text form is canonical; isms.audit_chain
  rebuilds the same bytes in Python, so verification does not trust this function).
- `guardrail_audit_chain()`: BEFORE INSERT on the trail. A transaction's first event of an
  organisation takes that organisation's advisory lock (held until the transaction ends, so
  its events form one chain whatever the concurrency; other organisations never wait) and
  reads the last link from the head row; later events of the same transaction take it from
  a transaction-local setting (`guardrail.audit_chain_<org>`, undone with a rolled-back
  savepoint like the events), so a bulk write costs no extra query per event. Each event
  gets position + 1, the previous hash and its own hash = SHA-256(previous hash ‖ content);
  the first link's previous hash is 64 zeros.
- `guardrail_audit_chain_head()`: a deferred constraint trigger; at commit the
  transaction's last event becomes the organisation's head row (one row per organisation,
  updated once per transaction: updating it per event made a bulk write quadratic).
- Existing events are chained in the order they occurred (occurred_at, then id), per
  organisation, before the trigger exists; the heads are set from them.
"""

from django.db import migrations, models

GENESIS = "0" * 64
LOCK_CLASS = 1635087459  # first key of the chain's advisory locks ("audc"); the second is the org

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION guardrail_audit_content(e isms_auditevent) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(jsonb_build_array(
        e.id, e.organization_id, e.table_name, e.object_id, e.action, e.changes,
        e.actor_id, e.actor, e.request_id,
        (extract(epoch FROM e.occurred_at) * 1000000)::bigint)::text, 'UTF8')
$$;

CREATE OR REPLACE FUNCTION guardrail_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    link_name text := 'guardrail.audit_chain_' || NEW.organization_id;
    link text := current_setting(link_name, true);
    prev_position bigint;
    prev_hash text;
BEGIN
    -- Held until the transaction ends (taken again at once while it is held): one writer
    -- per organisation at a time, whatever the link setting says.
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, (NEW.organization_id % 2147483647)::int);
    IF link IS NULL OR link = '' THEN
        -- The transaction's first event of this organisation: the committed head.
        SELECT head.position, head.hash INTO prev_position, prev_hash
          FROM public.isms_auditchainhead head WHERE head.organization_id = NEW.organization_id;
        IF NOT FOUND THEN
            prev_position := 0;
            prev_hash := '{GENESIS}';
        END IF;
    ELSE
        prev_position := split_part(link, ':', 1)::bigint;
        prev_hash := split_part(link, ':', 2);
    END IF;
    NEW.chain_position := prev_position + 1;
    NEW.previous_hash := prev_hash;
    -- The same bytes as guardrail_audit_content(NEW), inline: a SQL function called from
    -- here is planned again in every transaction.
    NEW.hash := encode(sha256(decode(prev_hash, 'hex') || convert_to(jsonb_build_array(
        NEW.id, NEW.organization_id, NEW.table_name, NEW.object_id, NEW.action, NEW.changes,
        NEW.actor_id, NEW.actor, NEW.request_id,
        (extract(epoch FROM NEW.occurred_at) * 1000000)::bigint)::text, 'UTF8')), 'hex');
    PERFORM set_config(link_name, NEW.chain_position || ':' || NEW.hash, true);
    RETURN NEW;
END $$;

-- At commit (deferred), the transaction's last event of the organisation becomes the head.
-- Runs as the owner: the app role commits, and may not write the head table.
CREATE OR REPLACE FUNCTION guardrail_audit_chain_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF current_setting('guardrail.audit_chain_' || NEW.organization_id, true)
       = NEW.chain_position || ':' || NEW.hash THEN
        INSERT INTO public.isms_auditchainhead AS head
            (organization_id, position, event_id, previous_hash, hash)
        VALUES (NEW.organization_id, NEW.chain_position, NEW.id, NEW.previous_hash, NEW.hash)
        ON CONFLICT (organization_id) DO UPDATE
            SET position = EXCLUDED.position, event_id = EXCLUDED.event_id,
                previous_hash = EXCLUDED.previous_hash, hash = EXCLUDED.hash;
    END IF;
    RETURN NULL;
END $$;
"""

# Run as the owner: row-level security on the trail is lifted for the owner and the
# append-only trigger (isms.db_security, absent on a fresh database) paused, inside this one
# transaction; both are put back as they were.
BACKFILL = f"""
DO $$
DECLARE
    forced boolean;
    guarded boolean;
    e isms_auditevent;
    current_org bigint;
    pos bigint;
    prev text;
BEGIN
    SELECT relforcerowsecurity INTO forced FROM pg_class WHERE oid = 'isms_auditevent'::regclass;
    SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'isms_auditevent'::regclass
                   AND tgname = 'append_only') INTO guarded;
    ALTER TABLE isms_auditevent NO FORCE ROW LEVEL SECURITY;
    IF guarded THEN
        ALTER TABLE isms_auditevent DISABLE TRIGGER append_only;
    END IF;
    FOR e IN SELECT * FROM isms_auditevent ORDER BY organization_id, occurred_at, id LOOP
        IF current_org IS DISTINCT FROM e.organization_id THEN
            current_org := e.organization_id;
            pos := 0;
            prev := '{GENESIS}';
        END IF;
        pos := pos + 1;
        UPDATE isms_auditevent
           SET chain_position = pos, previous_hash = prev,
               hash = encode(sha256(decode(prev, 'hex') || guardrail_audit_content(e)), 'hex')
         WHERE id = e.id
        RETURNING hash INTO prev;
    END LOOP;
    INSERT INTO isms_auditchainhead (organization_id, position, event_id, previous_hash, hash)
    SELECT DISTINCT ON (organization_id) organization_id, chain_position, id, previous_hash, hash
      FROM isms_auditevent ORDER BY organization_id, chain_position DESC;
    IF guarded THEN
        ALTER TABLE isms_auditevent ENABLE TRIGGER append_only;
    END IF;
    IF forced THEN
        ALTER TABLE isms_auditevent FORCE ROW LEVEL SECURITY;
    END IF;
END $$;

CREATE TRIGGER guardrail_audit_chain BEFORE INSERT ON isms_auditevent
    FOR EACH ROW EXECUTE FUNCTION guardrail_audit_chain();
CREATE CONSTRAINT TRIGGER guardrail_audit_chain_head AFTER INSERT ON isms_auditevent
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.chain_position IS NOT NULL)
    EXECUTE FUNCTION guardrail_audit_chain_head();
"""

REVERSE = """
DROP TRIGGER IF EXISTS guardrail_audit_chain_head ON isms_auditevent;
DROP TRIGGER IF EXISTS guardrail_audit_chain ON isms_auditevent;
DROP FUNCTION IF EXISTS guardrail_audit_chain_head();
DROP FUNCTION IF EXISTS guardrail_audit_chain();
DROP FUNCTION IF EXISTS guardrail_audit_content(isms_auditevent);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("isms", "0010_apikey_ai_usage_scope"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("organization_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("position", models.BigIntegerField()),
                ("event_id", models.BigIntegerField()),
                ("previous_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_position",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("organization_id", "chain_position"), name="isms_auditevent_chain_position"
            ),
        ),
        migrations.RunSQL(FUNCTIONS + BACKFILL, REVERSE),
    ]
