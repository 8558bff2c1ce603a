"""Database-level security, applied after every `migrate` (so no tenant model can escape it).

- The application role (settings.DATABASE_APP_USER) exists, can log in, and is neither
  superuser, nor BYPASSRLS, nor owner of anything; it gets DML on the tables, nothing more.
- Every tenant table (a subclass of isms.tenancy.TenantModel) has row-level security enabled
  and forced, with one policy keyed on `app.organization_id`, and the audit trigger.
- The access tables get the audit trigger; the audit trail is append-only for everyone, and
  its chain heads are readable per organisation and written only by the chain trigger.

Each statement is idempotent; tests/isms/test_row_level_security.py checks the catalogue.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections
from psycopg2 import sql

from isms.tenancy import PG_ACTOR, PG_ACTOR_ID, PG_ORGANIZATION, PG_REQUEST_ID, tenant_models

log = logging.getLogger(__name__)

POLICY_NAME = "tenant_isolation"
AUDIT_TRIGGER = "guardrail_audit"
AUDIT_TABLE = "isms_auditevent"
# One row per organisation: the head of its audit hash chain (isms.audit_chain), written only
# by the chain trigger (migration isms 0008, run as the owner); the app role reads its own.
AUDIT_CHAIN_HEAD_TABLE = "isms_auditchainhead"
TENANT_PREDICATE = (
    f"organization_id = NULLIF(current_setting('{PG_ORGANIZATION}', true), '')::bigint"
)

# Access tables: organisation-owned but read before a tenant is known. Audited, not RLS'd.
AUDITED_ACCESS_TABLES = {
    "isms_membership": [],
    "isms_invitation": [],
    "isms_apikey": ["last_used_at"],  # columns whose changes alone are not worth an event
}

# Credential material: the trail records that such a column changed, never its value (a key's
# hash and prefix, a portal or concern link's token hash, an invitation's token hash).
REDACTED_COLUMNS = (
    "secret_hash",
    "prefix",
    "token_hash",
    "token_prefix",
    "password",
    "private_key",  # an evidence-pack signing key (monitoring.packs)
    "client_secret",  # a single sign-on connection's secret, even encrypted (isms.sso)
    "signing_secret",  # a webhook endpoint's HMAC key (isms.webhooks)
)
REDACTED_VALUE = "(hidden)"
_REDACTED_ARRAY = "ARRAY[" + ", ".join(f"'{c}'" for c in REDACTED_COLUMNS) + "]"

# Machine-written logs of high volume whose row is itself the record (what, for whom and when
# are its own columns, and nothing in it is a decision anyone took): their INSERTs are not
# copied into the audit trail (the copy was three quarters of the time of the reminder sweep
# and of the AI metrics intake in issue 12's bench); their UPDATEs and DELETEs are, as for
# any tenant table.
INSERTS_NOT_AUDITED = {
    "monitoring_inbox_notification",
    "monitoring_checks_metricpoint",
    # A stored API answer, replayed to a retry (isms.idempotency): the request's own changes
    # are in the trail; the copy of its answer is not, even when the record expires.
    "isms_idempotencyrecord",
    "monitoring_engagements_auditoraccess",  # the auditor access log, one row per request
    # The task outbox (isms.outbox): the work a change queued; the change itself is in the
    # trail (its columns below are not copied either).
    "isms_outboxtask",
    # The webhook outbox and its delivery log (isms.webhooks): the change an event describes
    # is in the trail already; a delivery and its attempts are a machine's log.
    "isms_webhookevent",
    "isms_webhookdelivery",
    "isms_webhookattempt",
}
# Columns of tenant tables the trail never copies (as AUDITED_ACCESS_TABLES' lists).
TENANT_COLUMNS_NOT_AUDITED = {
    "isms_idempotencyrecord": ["response_body", "response_headers", "fingerprint"],
    # Every column: queuing, sending and purging a row is bookkeeping, not a decision.
    "isms_outboxtask": [
        "id",
        "organization_id",
        "task_id",
        "task_name",
        "args",
        "kwargs",
        "queue",
        "reference",
        "status",
        "created",
        "sent_at",
        "send_attempts",
        "last_error",
        "runs",
    ],
    # A delivery's progress is its own log (its attempts); a person's redelivery is recorded.
    "isms_webhookdelivery": [
        "status",
        "attempt_count",
        "next_attempt_at",
        "last_response_code",
        "last_error",
        "updated",
    ],
    # Counting failures is the worker's; disabling the endpoint (active, disabled_at) is not.
    "isms_webhookendpoint": ["consecutive_failures", "updated"],
}

AUDIT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION guardrail_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    row_now jsonb := COALESCE(new_row, old_row);
    diff jsonb;
BEGIN
    SELECT jsonb_object_agg(k, CASE WHEN k = ANY ({_REDACTED_ARRAY})
        THEN jsonb_build_array(
            CASE WHEN COALESCE(jsonb_typeof(old_row -> k), 'null') = 'null' THEN old_row -> k
                 ELSE to_jsonb('{REDACTED_VALUE}'::text) END,
            CASE WHEN COALESCE(jsonb_typeof(new_row -> k), 'null') = 'null' THEN new_row -> k
                 ELSE to_jsonb('{REDACTED_VALUE}'::text) END)
        ELSE jsonb_build_array(old_row -> k, new_row -> k) END) INTO diff
    FROM jsonb_object_keys(row_now) AS k
    WHERE (old_row -> k) IS DISTINCT FROM (new_row -> k)
      AND NOT (k = ANY (COALESCE(TG_ARGV, '{{}}'::text[])));
    IF diff IS NULL THEN
        RETURN NULL;  -- an UPDATE that changed nothing worth recording
    END IF;
    INSERT INTO {AUDIT_TABLE} (organization_id, table_name, object_id, action, changes,
                               actor_id, actor, request_id, occurred_at)
    VALUES ((row_now ->> 'organization_id')::bigint, TG_TABLE_NAME, row_now ->> 'id',
            lower(TG_OP), diff,
            NULLIF(current_setting('{PG_ACTOR_ID}', true), '')::bigint,
            COALESCE(current_setting('{PG_ACTOR}', true), ''),
            COALESCE(current_setting('{PG_REQUEST_ID}', true), ''),
            clock_timestamp());
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION guardrail_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def ensure_app_role(cursor) -> str:
    """Create the application role if missing; refuse one that could bypass RLS."""
    role = settings.DATABASE_APP_USER
    cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        statement = sql.SQL(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
        ).format(_ident(role))
        if settings.DATABASE_APP_PASSWORD:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(settings.DATABASE_APP_PASSWORD))
        cursor.execute(statement)
    elif row[0] or row[1]:
        raise RuntimeError(
            f"Database role {role!r} is a superuser or has BYPASSRLS; row-level security "
            "would not apply to it. Use a plain role for DATABASE_APP_USER."
        )
    return role


def apply(using: str = "owner") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        role = _ident(ensure_app_role(cursor))
        cursor.execute(AUDIT_FUNCTION)
        cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
        cursor.execute(
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(role)
        )
        cursor.execute(
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role)
        )
        for model in tenant_models():
            _secure_tenant_table(cursor, model._meta.db_table)
        for table, ignored in AUDITED_ACCESS_TABLES.items():
            _attach_audit_trigger(cursor, table, ignored)
        _secure_audit_table(cursor, role)
        _secure_audit_chain_head(cursor, role)


def _secure_tenant_table(cursor, table: str) -> None:
    t = _ident(table)
    cursor.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
    cursor.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(t))
    cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(_ident(POLICY_NAME), t))
    cursor.execute(
        sql.SQL("CREATE POLICY {} ON {} USING ({}) WITH CHECK ({})").format(
            _ident(POLICY_NAME), t, sql.SQL(TENANT_PREDICATE), sql.SQL(TENANT_PREDICATE)
        )
    )
    _attach_audit_trigger(
        cursor,
        table,
        TENANT_COLUMNS_NOT_AUDITED.get(table, []),
        inserts=table not in INSERTS_NOT_AUDITED,
    )


def _attach_audit_trigger(
    cursor, table: str, ignored_columns: list[str], inserts: bool = True
) -> None:
    t = _ident(table)
    events = "INSERT OR UPDATE OR DELETE" if inserts else "UPDATE OR DELETE"
    cursor.execute(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(_ident(AUDIT_TRIGGER), t))
    cursor.execute(
        sql.SQL(
            "CREATE TRIGGER {} AFTER " + events + " ON {} "
            "FOR EACH ROW EXECUTE FUNCTION guardrail_audit({})"
        ).format(
            _ident(AUDIT_TRIGGER), t, sql.SQL(", ").join(sql.Literal(c) for c in ignored_columns)
        )
    )


def _secure_audit_table(cursor, role: sql.Identifier) -> None:
    t = _ident(AUDIT_TABLE)
    cursor.execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(t, role))
    cursor.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
    cursor.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(t))
    for name in (POLICY_NAME, "audit_insert_by_trigger"):
        cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(_ident(name), t))
    cursor.execute(
        sql.SQL("CREATE POLICY {} ON {} FOR SELECT USING ({})").format(
            _ident(POLICY_NAME), t, sql.SQL(TENANT_PREDICATE)
        )
    )
    # Only the SECURITY DEFINER trigger function (run as the owner) can insert at all.
    cursor.execute(
        sql.SQL("CREATE POLICY audit_insert_by_trigger ON {} FOR INSERT WITH CHECK (true)").format(
            t
        )
    )
    cursor.execute(sql.SQL("DROP TRIGGER IF EXISTS append_only ON {}").format(t))
    cursor.execute(
        sql.SQL(
            "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {} "
            "FOR EACH ROW EXECUTE FUNCTION guardrail_append_only()"
        ).format(t)
    )


def _secure_audit_chain_head(cursor, role: sql.Identifier) -> None:
    """Readable by the app role within its organisation; written only by the chain trigger.

    Row-level security is enabled but not forced: the trigger runs as the owner and must
    advance the head even when no organisation is set (access tables are audited before a
    tenant is known)."""
    cursor.execute("SELECT to_regclass(%s)", [AUDIT_CHAIN_HEAD_TABLE])
    if cursor.fetchone()[0] is None:  # migrated back before isms 0008
        return
    t = _ident(AUDIT_CHAIN_HEAD_TABLE)
    cursor.execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(t, role))
    cursor.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(t))
    cursor.execute(sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(t))
    cursor.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(_ident(POLICY_NAME), t))
    cursor.execute(
        sql.SQL("CREATE POLICY {} ON {} FOR SELECT USING ({})").format(
            _ident(POLICY_NAME), t, sql.SQL(TENANT_PREDICATE)
        )
    )
