"""Context and scope (ISO 27001 / ISO 42001 Clause 4.1-4.3) and objectives (6.2): the scope
statement versioned and approved with segregation of duties, approved versions immutable to
raw SQL, objectives on or off target from their measurements, measurements due in the
inbox, the home block, and isolation between organisations (UI and API)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from isms import policy
from isms.errors import Conflict, ErrorCode, NotPermitted, TransitionRefused
from isms.models import Role
from monitoring.context import selectors, services
from monitoring.context.due import objective_measurement_items
from monitoring.context.models import Objective, ScopeStatement
from tests.context.factories import make_issue, make_objective, make_party
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db

SCOPE = {
    "statement": "Our SaaS products and their AI assistants.",
    "boundaries": "Berlin office; EU cloud region.",
    "interfaces": "Cloud provider; model supplier.",
    "exclusions": "Group finance.",
}


def _approved_scope(organization, **fields):
    preparer = actor_for(organization)
    scope = services.scope_draft(actor=preparer, **(SCOPE | fields))
    scope = services.scope_submit(actor=preparer, scope=scope)
    return services.scope_approve(actor=actor_for(organization, Role.ADMIN), scope=scope)


def _objective(organization, owner, **fields):
    values = {
        "title": "Patch quickly",
        "measure": "Median days to fix a critical finding",
        "direction": "at_most",
        "target": Decimal("7"),
        "unit": "days",
        "due_date": timezone.localdate() + timedelta(days=90),
        "clauses": "ISO 27001 6.2",
    }
    return services.objective_create(
        actor=actor_for(organization), owner=owner, **(values | fields)
    )


# --- Clause 4.3: the scope statement -------------------------------------------------------


def test_the_preparer_never_approves_the_scope_4_3(org_a, in_tenant):
    with in_tenant(org_a):
        preparer = actor_for(org_a)
        scope = services.scope_draft(actor=preparer, **SCOPE)
        assert scope.number == 1 and scope.status == "draft"
        with pytest.raises(TransitionRefused):  # approving a draft: not submitted
            services.scope_approve(actor=actor_for(org_a, Role.ADMIN), scope=scope)
        scope = services.scope_submit(actor=preparer, scope=scope)
        with pytest.raises(NotPermitted) as error:
            services.scope_approve(actor=preparer, scope=scope)
        assert error.value.code == ErrorCode.SEGREGATION_OF_DUTIES
        with pytest.raises(NotPermitted):  # a contributor lacks monitoring:approve
            services.scope_approve(actor=actor_for(org_a, Role.CONTRIBUTOR), scope=scope)
        assert selectors.current_scope() is None
        approver = actor_for(org_a, Role.ADMIN)
        scope = services.scope_approve(actor=approver, scope=scope)
        assert scope.status == "approved" and scope.approved_by == approver.user
        assert selectors.current_scope() == scope
        with pytest.raises(Conflict) as refused:
            services.scope_update(actor=preparer, scope=scope, statement="Everything")
        assert refused.value.code == ErrorCode.IMMUTABLE


def test_a_new_version_starts_from_the_scope_in_force_and_replaces_it_once_approved(
    org_a, in_tenant
):
    with in_tenant(org_a):
        first = _approved_scope(org_a)
        officer = actor_for(org_a)
        second = services.scope_draft(actor=officer)
        assert (second.number, second.statement, second.exclusions) == (
            2,
            SCOPE["statement"],
            SCOPE["exclusions"],
        )
        with pytest.raises(Conflict):  # one version in preparation at a time
            services.scope_draft(actor=officer)
        services.scope_update(actor=officer, scope=second, exclusions="")
        assert selectors.current_scope() == first  # a draft is not in force
        second = services.scope_submit(actor=officer, scope=second)
        second = services.scope_return(actor=officer, scope=second, reason="Name the sites")
        assert second.status == "draft"
        second = services.scope_submit(actor=officer, scope=second)
        services.scope_approve(actor=actor_for(org_a, Role.ADMIN), scope=second)
        current = selectors.current_scope()
        assert current.number == 2 and current.exclusions == ""
        first.refresh_from_db()
        assert first.exclusions == SCOPE["exclusions"]  # the earlier version is kept as it was


def test_an_empty_scope_statement_is_not_submitted(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        scope = services.scope_draft(actor=officer)
        with pytest.raises(ValidationError) as error:
            services.scope_submit(actor=officer, scope=scope)
        assert "statement" in error.value.message_dict


def test_an_approved_scope_is_immutable_to_raw_sql(org_a, in_tenant):
    with in_tenant(org_a):
        scope = _approved_scope(org_a)
    for statement in [
        "UPDATE monitoring_context_scopestatement SET statement = 'forged' WHERE id = %s",
        "DELETE FROM monitoring_context_scopestatement WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError, match="immutable"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('app.organization_id', %s, true)", [str(org_a.pk)]
                )
                cursor.execute(statement, [scope.pk])
    with in_tenant(org_a):
        assert ScopeStatement.objects.get(pk=scope.pk).statement == SCOPE["statement"]
        draft = services.scope_draft(actor=actor_for(org_a))
        with connection.cursor() as cursor:  # a draft changes freely
            cursor.execute(
                "UPDATE monitoring_context_scopestatement SET statement = 'draft' WHERE id = %s",
                [draft.pk],
            )
        draft.refresh_from_db()
        assert draft.statement == "draft"


# --- Clause 4.1 and 4.2: issues and interested parties ------------------------------------


def test_issues_and_parties_are_kept_by_officers_only(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        issue = services.issue_create(
            actor=officer,
            kind="external",
            topic="model_suppliers",
            title="One foundation-model supplier",
        )
        assert issue.get_topic_display() == "Dependence on AI model suppliers"
        party = services.party_create(
            actor=officer, name="Regulator", requirements="Breach notice", addressed=True
        )
        with pytest.raises(Exception) as duplicate:
            services.party_create(actor=officer, name="Regulator", requirements="Again")
        assert getattr(duplicate.value, "code", None) == ErrorCode.DUPLICATE
        contributor = actor_for(org_a, Role.CONTRIBUTOR)
        with pytest.raises(NotPermitted):
            services.issue_update(actor=contributor, issue=issue, title="Changed")
        with pytest.raises(NotPermitted):
            services.party_update(actor=contributor, party=party, addressed=False)
        with pytest.raises(ValidationError) as error:
            services.issue_create(actor=officer, kind="", title="")
        assert {"kind", "title"} <= set(error.value.message_dict)


# --- Clause 6.2: objectives and their measurements ----------------------------------------


def test_objective_status_follows_its_latest_measurement_6_2(org_a, member, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        objective = _objective(org_a, member(org_a, Role.CONTRIBUTOR))
        today = timezone.localdate()

        def status():
            row = selectors.annotate_status(
                selectors.objectives_for_list().filter(pk=objective.pk)
            )[0]
            return row.status.key

        assert status() == "not_measured"
        services.measurement_record(
            actor=officer, objective=objective, measured_on=today - timedelta(days=20), value=12
        )
        assert status() == "off_target"  # at most 7 days: 12 misses it
        services.measurement_record(
            actor=officer, objective=objective, measured_on=today - timedelta(days=5), value=7
        )
        assert status() == "on_target"  # the target itself is met
        # A late entry for an earlier date does not override the newest measurement.
        services.measurement_record(
            actor=officer, objective=objective, measured_on=today - timedelta(days=40), value=30
        )
        assert status() == "on_target"
        services.objective_update(actor=officer, objective=objective, direction="at_least")
        assert status() == "on_target"  # at least 7: 7 meets it too
        services.objective_update(actor=officer, objective=objective, target=Decimal("8"))
        assert status() == "off_target"  # at least 8: 7 misses it


def test_the_owner_measures_through_their_grant_others_do_not(org_a, in_tenant, member):
    with in_tenant(org_a):
        owner = actor_for(org_a, Role.CONTRIBUTOR)
        other = actor_for(org_a, Role.CONTRIBUTOR)
        objective = _objective(org_a, owner.user)
        today = timezone.localdate()
        services.measurement_record(actor=owner, objective=objective, measured_on=today, value=5)
        with pytest.raises(NotPermitted):
            services.measurement_record(
                actor=other, objective=objective, measured_on=today, value=5
            )
        with pytest.raises(ValidationError) as error:
            services.measurement_record(
                actor=owner, objective=objective, measured_on=today + timedelta(days=1), value=5
            )
        assert "measured_on" in error.value.message_dict
        auditor = member(org_a, Role.AUDITOR)
        with pytest.raises(ValidationError):  # an auditor holds no records
            _objective(org_a, auditor)
        assert objective.measurements.count() == 1


def test_a_measurement_falls_due_to_the_owner_in_the_inbox(org_a, in_tenant, member):
    """Due every `measure_every_days` after the last measurement (or after the objective
    was set); the inbox shows what falls due within its look-ahead window."""
    with in_tenant(org_a):
        owner = member(org_a, Role.CONTRIBUTOR)
        rarely = _objective(org_a, owner, title="Yearly", measure_every_days=365)
        objective = _objective(org_a, owner, measure_every_days=30)
        today = timezone.localdate()
        (item,) = objective_measurement_items(org_a.pk, today)  # the yearly one is far off
        assert item.due_on == today + timedelta(days=30)
        Objective.objects.filter(pk=objective.pk).update(
            created=timezone.now() - timedelta(days=40)
        )
        (item,) = objective_measurement_items(org_a.pk, today)
        assert item.recipient_ids == [owner.pk]
        assert item.due_on == today - timedelta(days=10)  # overdue
        assert f"/objectives/{objective.pk}/" in item.url
        services.measurement_record(
            actor=actor_for(org_a), objective=objective, measured_on=today, value=3
        )
        (after,) = objective_measurement_items(org_a.pk, today)
        assert after.due_on == today + timedelta(days=30) and after.key != item.key
        assert rarely.pk not in [int(i.key.split(":")[1]) for i in [after]]


# --- the home block ------------------------------------------------------------------------


def test_home_shows_the_approved_scope_or_a_prompt(org_a, org_b, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    page = client_for(officer).get(f"/o/{org_a.slug}/").content.decode()
    assert "No approved scope yet" in page and "Write the scope statement" in page
    with in_tenant(org_b):
        _approved_scope(org_b, statement="Bravo's secret scope")
    with in_tenant(org_a):
        _approved_scope(org_a, statement="Alpha's products")
        services.scope_draft(actor=actor_for(org_a))
    page = client_for(officer).get(f"/o/{org_a.slug}/").content.decode()
    assert "Alpha&#x27;s products" in page and "Version 1, approved by" in page
    assert "a new version is draft" in page
    assert "Bravo" not in page


# --- the UI: workflow and isolation --------------------------------------------------------


def test_the_scope_is_prepared_and_approved_through_the_pages(org_a, member, client_for):
    base = f"/o/{org_a.slug}/monitoring/context/scope/"
    officer = client_for(member(org_a, Role.OFFICER))
    response = officer.post(f"{base}new/")
    assert response.status_code == 302
    scope_url = response["Location"]
    pk = int(scope_url.rstrip("/").rsplit("/", 1)[1])
    response = officer.post(f"{base}{pk}/edit/", SCOPE)
    assert response.status_code == 302
    officer.post(f"{base}{pk}/submit/")
    page = officer.get(scope_url).content.decode()
    assert "Approve this scope" not in page and "prepared" in page  # SoD said in words
    response = officer.post(f"{base}{pk}/approve/", follow=True)
    assert "Nothing changed" in response.content.decode() or response.status_code == 200
    admin = client_for(member(org_a, Role.ADMIN))
    assert "Approve this scope" in admin.get(scope_url).content.decode()
    admin.post(f"{base}{pk}/approve/")
    page = officer.get(base).content.decode()
    assert "In force: version 1" in page and SCOPE["boundaries"] in page
    assert officer.get(f"{base}{pk}/edit/").status_code == 302  # no form for an approved one


def test_another_organisation_cannot_see_or_change_the_records_ui(
    org_a, org_b, member, client_for, in_tenant
):
    with in_tenant(org_a):
        scope = _approved_scope(org_a, statement="Alpha scope")
        issue = make_issue(org_a)
        party = make_party(org_a)
        objective = make_objective(org_a)
    outsider = client_for(member(org_b, Role.ADMIN))
    b = f"/o/{org_b.slug}/monitoring/context"
    for url in [
        f"{b}/scope/{scope.pk}/",
        f"{b}/objectives/{objective.pk}/",
        f"{b}/issues/{issue.pk}/edit/",
        f"{b}/parties/{party.pk}/edit/",
    ]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"{b}/objectives/{objective.pk}/measure/", {}).status_code == 404
    assert outsider.post(f"{b}/scope/{scope.pk}/approve/").status_code == 404
    for url in [f"{b}/", f"{b}/scope/", f"{b}/objectives/"]:
        page = outsider.get(url).content.decode()
        assert "Alpha scope" not in page and issue.title not in page
        assert party.name not in page and objective.title not in page
    # Nor through another organisation's URL: a member of Bravo only has Bravo.
    assert outsider.get(f"/o/{org_a.slug}/monitoring/context/").status_code in (403, 404)


# --- the API --------------------------------------------------------------------------------


def test_scope_workflow_and_objectives_through_the_api(org_a, org_b, member, api_for):
    officer_user = member(org_a, Role.OFFICER)
    officer = api_for(officer_user)
    base = f"/api/v1/orgs/{org_a.slug}"
    created = officer.post(f"{base}/scope-statements/", SCOPE, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert officer.post(f"{base}/scope-statements/{pk}/submit/").status_code == 200
    refused = officer.post(f"{base}/scope-statements/{pk}/approve/")
    assert refused.status_code == 403
    assert refused.json()["code"] == ErrorCode.SEGREGATION_OF_DUTIES
    admin = api_for(member(org_a, Role.ADMIN))
    approved = admin.post(f"{base}/scope-statements/{pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    patched = officer.patch(f"{base}/scope-statements/{pk}/", {"statement": "x"}, format="json")
    assert patched.status_code == 409 and patched.json()["code"] == ErrorCode.IMMUTABLE

    owner = member(org_a, Role.CONTRIBUTOR)
    objective = officer.post(
        f"{base}/objectives/",
        {
            "title": "Assess every AI system",
            "measure": "Share of AI systems with an approved impact assessment",
            "direction": "at_least",
            "target": "100",
            "unit": "%",
            "owner": owner.pk,
            "due_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
            "clauses": "ISO 42001 6.2",
        },
        format="json",
    )
    assert objective.status_code == 201, objective.content
    opk = objective.json()["id"]
    assert objective.json()["status"] == "not_measured"
    bad = api_for(owner).post(f"{base}/objectives/{opk}/measure/", {"value": "x"}, format="json")
    assert bad.status_code == 400 and {"measured_on", "value"} <= set(bad.json()["errors"])
    measured = api_for(owner).post(
        f"{base}/objectives/{opk}/measure/",
        {"measured_on": timezone.localdate().isoformat(), "value": "80"},
        format="json",
    )
    assert measured.status_code == 201 and measured.json()["on_target"] is False
    detail = officer.get(f"{base}/objectives/{opk}/").json()
    assert detail["status"] == "off_target" and detail["latest_value"] == "80.00"
    listed = officer.get(f"{base}/objective-measurements/?objective={opk}").json()
    assert listed["count"] == 1 and listed["results"][0]["value"] == "80.00"
    assert officer.get(f"{base}/objective-measurements/?objective=0").json()["count"] == 0

    # Bravo's officer: the same ids are 404, lists are empty, nothing can be measured.
    bravo = api_for(member(org_b, Role.OFFICER))
    b = f"/api/v1/orgs/{org_b.slug}"
    assert bravo.get(f"{b}/scope-statements/{pk}/").status_code == 404
    assert bravo.get(f"{b}/objectives/{opk}/").status_code == 404
    assert bravo.post(f"{b}/objectives/{opk}/measure/", {}, format="json").status_code == 404
    for path in ["scope-statements", "objectives", "objective-measurements"]:
        assert bravo.get(f"{b}/{path}/").json()["count"] == 0


def test_the_lists_keep_a_constant_number_of_queries(
    org_a, member, client_for, api_for, in_tenant, django_assert_max_num_queries
):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        for n in range(15):
            objective = make_objective(org_a)
            services.measurement_record(
                actor=officer, objective=objective, measured_on=timezone.localdate(), value=n
            )
            make_issue(org_a)
            make_party(org_a)
    client = client_for(member(org_a, Role.AUDITOR))
    for url in ["objectives/", ""]:
        with django_assert_max_num_queries(25):
            assert client.get(f"/o/{org_a.slug}/monitoring/context/{url}").status_code == 200
    assert policy.can(actor_for(org_a, Role.AUDITOR), "view", objective)
    api = api_for(member(org_a, Role.AUDITOR))
    for path in ["objectives", "objective-measurements", "context-issues", "interested-parties"]:
        with django_assert_max_num_queries(20):
            response = api.get(f"/api/v1/orgs/{org_a.slug}/{path}/")
        assert response.status_code == 200 and response.json()["count"] >= 15, path
