"""Row-level security is on every tenant table, and holds for raw SQL as the app role."""

import pytest
from django.db import DatabaseError, connections, transaction

from isms.db_security import AUDIT_TABLE, POLICY_NAME
from isms.models import AuditEvent
from isms.tenancy import PG_ORGANIZATION, tenant_models
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object

load_all_factories()
TENANT_MODELS = tenant_models()
pytestmark = pytest.mark.django_db(databases=["default", "owner"])


def test_there_are_tenant_models_to_protect():
    assert len(TENANT_MODELS) >= 1


@pytest.mark.parametrize("table", [m._meta.db_table for m in TENANT_MODELS] + [AUDIT_TABLE])
def test_every_tenant_table_has_forced_rls_and_a_policy(table):
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table]
        )
        assert cursor.fetchone() == (True, True)
        cursor.execute(
            "SELECT qual FROM pg_policies WHERE tablename = %s AND policyname = %s",
            [table, POLICY_NAME],
        )
        (qual,) = cursor.fetchone()
        assert PG_ORGANIZATION in qual and "organization_id" in qual


@pytest.mark.parametrize("table", [m._meta.db_table for m in TENANT_MODELS])
def test_every_tenant_table_has_the_audit_trigger(table):
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass"
            " AND tgname = 'guardrail_audit'",
            [table],
        )
        assert cursor.fetchone() == (1,)


def test_every_tenant_model_has_an_object_factory():
    missing = [m.__name__ for m in TENANT_MODELS if m not in OBJECT_FACTORIES]
    assert missing == []


def test_the_app_role_cannot_bypass_rls():
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, EXISTS (SELECT 1 FROM pg_class c"
            " WHERE c.relowner = r.oid AND c.relnamespace = 'public'::regnamespace)"
            " FROM pg_roles r WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False)


def _set_tenant(cursor, organization_id):
    cursor.execute("SELECT set_config(%s, %s, true)", [PG_ORGANIZATION, str(organization_id)])


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_raw_sql_as_app_role_sees_only_its_tenant(model, org_a, org_b):
    a_obj = make_object(model, org_a)
    make_object(model, org_b)
    table = model._meta.db_table
    with transaction.atomic(), connections["default"].cursor() as cursor:
        _set_tenant(cursor, "")
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone() == (0,), "no tenant set must mean no rows"
        _set_tenant(cursor, org_a.pk)
        cursor.execute(f"SELECT DISTINCT organization_id FROM {table}")
        assert cursor.fetchall() == [(org_a.pk,)]
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id = %s", [a_obj.pk])
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_raw_sql_as_app_role_cannot_write_another_tenant(model, org_a, org_b):
    a_obj = make_object(model, org_a)
    table = model._meta.db_table
    # Copy A's row as a new row of B: refused by the policy's WITH CHECK.
    insert = (
        f"INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(t)"
        f" || jsonb_build_object('id', -t.id, 'organization_id', %s))).*"
        f" FROM {table} t WHERE t.id = %s"
    )
    for statement, params in [
        (insert, [org_b.pk, a_obj.pk]),
        (f"UPDATE {table} SET organization_id = %s WHERE id = %s", [org_b.pk, a_obj.pk]),
    ]:
        # An append-only log (security events, the auditor access log) refuses the UPDATE
        # in its immutability trigger before row-level security is asked: refused either way.
        with pytest.raises(DatabaseError, match=r"row-level security|immutable"):
            with transaction.atomic(), connections["default"].cursor() as cursor:
                _set_tenant(cursor, org_a.pk)
                cursor.execute(statement, params)


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_audit_trail_refuses_update_and_delete_even_for_the_owner(org_a, in_tenant):
    # Committed rows (transaction=True), so the owner's separate connection sees them.
    make_object(next(iter(OBJECT_FACTORIES)), org_a)
    with in_tenant(org_a):
        assert AuditEvent.objects.exists()
    for alias in ["default", "owner"]:
        for statement in [
            f"UPDATE {AUDIT_TABLE} SET actor = 'forged'",
            f"DELETE FROM {AUDIT_TABLE}",
        ]:
            with pytest.raises(DatabaseError, match=r"append-only|permission denied"):
                with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
                    _set_tenant(cursor, org_a.pk)
                    cursor.execute(statement)


def test_app_role_cannot_insert_into_the_audit_trail(org_a):
    with pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic(), connections["default"].cursor() as cursor:
            _set_tenant(cursor, org_a.pk)
            cursor.execute(
                f"INSERT INTO {AUDIT_TABLE} (organization_id, table_name, object_id, action,"
                " changes, actor, request_id, occurred_at)"
                " VALUES (%s, 'x', '1', 'insert', '{}', 'forged', '', now())",
                [org_a.pk],
            )


def test_bulk_update_is_audited(org_a, in_tenant):
    from isms.db_security import INSERTS_NOT_AUDITED

    def free_text(m):
        return [
            f
            for f in m._meta.concrete_fields
            if f.get_internal_type() == "CharField" and not f.choices and not f.unique
        ]

    # The first audited tenant model with a free-text column (not every model has one).
    load_all_factories()
    model = next(
        m
        for m in TENANT_MODELS
        if m._meta.db_table not in INSERTS_NOT_AUDITED
        and m in OBJECT_FACTORIES
        and free_text(m)
        and m._meta.label != "isms.SecurityEvent"  # append-only: its trigger refuses UPDATE
    )
    obj = make_object(model, org_a)
    with in_tenant(org_a, actor="bulk tester"):
        field = free_text(model)[0]
        model.objects.filter(pk=obj.pk).update(**{field.name: "changed in bulk"})
        events = list(AuditEvent.objects.for_object(obj))
    assert events[0].action == "update"
    assert events[0].actor == "bulk tester"
    assert events[0].changes[field.name][1] == "changed in bulk"
    assert events[-1].action == "insert"


# Tables that belong to an organisation but are read before any tenant is known; each is
# reached only through a narrow lookup by a secret's hash or by the signed-in user.
UNSCOPED_BY_DESIGN = {
    "isms.Membership": "the organisation switcher lists a user's memberships across tenants",
    "isms.Invitation": "an invitation link is looked up by its token hash before log-in",
    "isms.APIKey": "an API key is looked up by its prefix before the tenant is known",
    "suppliers.PortalTokenIndex": "the supplier link maps a token hash to its organisation",
    "monitoring_incidents.ConcernTokenIndex": "the public concern link maps a token hash to "
    "its organisation",
    "isms.AuditChainHead": "the audit chain's head, written only by the database at commit; "
    "row-level security enabled with a per-organisation read policy (isms.db_security)",
    "monitoring_checks.PortfolioFigures": "counts computed in each tenant's context, read by "
    "the portfolio for the user's active memberships",
}


def test_every_org_owned_model_is_a_tenant_model_or_explicitly_exempt():
    from django.apps import apps

    from isms.models import AuditEvent
    from isms.tenancy import TenantModel

    escaped = []
    for model in apps.get_models():
        fields = {f.name for f in model._meta.concrete_fields}
        owned = "organization" in fields or "organization_id" in fields
        exempt = model is AuditEvent or model._meta.label in UNSCOPED_BY_DESIGN
        if owned and not issubclass(model, TenantModel) and not exempt:
            escaped.append(model._meta.label)
    assert escaped == [], "make these TenantModels (row-level security) or justify them here"


def _tenant_setting() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [PG_ORGANIZATION])
        return cursor.fetchone()[0]


def test_a_tenant_context_without_sql_sends_nothing_and_sets_the_tenant_before_its_first(
    org_a, org_b, django_assert_num_queries
):
    """The settings travel with the first statement (an AI usage decision answered from
    Redis makes no round trip), nested contexts each see their own, and a rolled-back
    savepoint inside a context cannot take its tenant away."""
    from isms.tenancy import tenant_context

    # Inside a test's transaction a context costs its savepoint and release, nothing more.
    with django_assert_num_queries(2), tenant_context(org_a.pk):
        pass
    with tenant_context(org_a.pk):
        with tenant_context(org_b.pk):
            assert _tenant_setting() == str(org_b.pk)
        assert _tenant_setting() == str(org_a.pk)
        try:
            with transaction.atomic():
                assert _tenant_setting() == str(org_a.pk)
                raise DatabaseError("rolled back")
        except DatabaseError:
            pass
        assert _tenant_setting() == str(org_a.pk)
    with tenant_context(org_a.pk):
        with tenant_context(org_b.pk):
            pass  # applied nothing, restores nothing
        assert _tenant_setting() == str(org_a.pk)
