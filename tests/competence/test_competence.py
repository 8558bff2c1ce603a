"""Competence and awareness (ISO 27001 / ISO 42001 Clauses 7.2 and 7.3) and AI literacy (EU AI
Act Art. 4): training records expire from the competence's renewal period, gaps are computed
from who holds which responsibility, AI literacy coverage counts the members who use or
oversee AI (incl. owners of AI assets), expiring training reaches the member's tasks, and
another organisation sees none of it (UI and API)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from isms import policy
from isms.errors import NotPermitted
from isms.home import figures
from isms.models import Role
from monitoring.competence import selectors, services
from monitoring.competence.models import TrainingRecord
from monitoring.inbox.due_sources import training_expiring
from tests.assets.factories import AssetFactory
from tests.competence.factories import make_assignment, make_requirement, make_training
from tests.incidents.factories import actor_for, pdf

pytestmark = pytest.mark.django_db


def _record(organization, member, requirement=None, **fields):
    values = {"course": "AI literacy for staff", "completed_on": timezone.localdate()}
    return services.record_create(
        actor=actor_for(organization),
        member=member,
        requirement=requirement,
        **(values | fields),
    )


# --- 7.2: training records and their expiry ---


def test_expiry_follows_the_competence_renewal_period_7_2(org_a, member, in_tenant):
    user = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        yearly = make_requirement(org_a, renew_every_months=12)
        once = make_requirement(org_a, renew_every_months=None)
        record = _record(org_a, user, yearly, completed_on=date(2024, 2, 29))
        assert record.expires_on == date(2025, 2, 28)  # month end kept, no 29 Feb in 2025
        assert _record(org_a, user, once).expires_on is None
        assert _record(org_a, user, None).expires_on is None  # general awareness
        given = _record(org_a, user, yearly, expires_on=timezone.localdate() + timedelta(days=5))
        assert given.expires_on == timezone.localdate() + timedelta(days=5)  # as given


def test_bad_dates_are_refused_naming_the_field(org_a, member, in_tenant):
    user = member(org_a, Role.CONTRIBUTOR)
    today = timezone.localdate()
    with in_tenant(org_a):
        with pytest.raises(ValidationError) as raised:
            _record(org_a, user, completed_on=today + timedelta(days=1))
        assert "completed_on" in raised.value.message_dict
        with pytest.raises(ValidationError) as raised:
            _record(org_a, user, expires_on=today)
        assert "expires_on" in raised.value.message_dict
        with pytest.raises(ValidationError) as raised:
            _record(org_a, None)
        assert "member" in raised.value.message_dict
        assert TrainingRecord.objects.count() == 0


def test_only_officers_keep_the_records(org_a, member, in_tenant):
    user = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        for role in (Role.CONTRIBUTOR, Role.AUDITOR):
            with pytest.raises(NotPermitted):
                services.record_create(
                    actor=actor_for(org_a, role),
                    member=user,
                    course="Self-declared",
                    completed_on=timezone.localdate(),
                )
        record = make_training(org_a)
        assert policy.can(actor_for(org_a, Role.AUDITOR), "view", record)


# --- gaps ---


def test_gaps_list_missing_and_expired_competences_7_2(org_a, member, in_tenant):
    today = timezone.localdate()
    overseer = member(org_a, Role.CONTRIBUTOR)
    trained = member(org_a, Role.CONTRIBUTOR)
    auditor = member(org_a, Role.AUDITOR)
    with in_tenant(org_a):
        oversight = make_requirement(
            org_a, responsibility="human_overseer", title="Oversight of AI outputs"
        )
        awareness = make_requirement(
            org_a, responsibility="all_staff", title="Security awareness", ai_literacy=False
        )
        for user in (overseer, trained):
            make_assignment(org_a, member=user, responsibility="human_overseer")
        make_training(
            org_a,
            member=overseer,
            requirement=oversight,
            completed_on=today - timedelta(days=400),
            expires_on=today - timedelta(days=35),
        )
        make_training(org_a, member=trained, requirement=oversight)
        found = {(g.member.pk, g.requirement.pk): g for g in selectors.gaps(today)[0]}
    assert found[(overseer.pk, oversight.pk)].status == "expired"
    assert found[(overseer.pk, oversight.pk)].expired_on == today - timedelta(days=35)
    assert (trained.pk, oversight.pk) not in found
    # Everyone on the staff needs awareness; an auditor from outside is not staff.
    assert found[(trained.pk, awareness.pk)].status == "missing"
    assert (auditor.pk, awareness.pk) not in found


def test_ai_literacy_coverage_counts_who_uses_or_oversees_ai_art_4(org_a, member, in_tenant):
    today = timezone.localdate()
    user, owner, bystander = (member(org_a, Role.CONTRIBUTOR) for _ in range(3))
    with in_tenant(org_a):
        literacy = make_requirement(org_a, responsibility="ai_user", ai_literacy=True)
        make_assignment(org_a, member=user, responsibility="ai_user")
        AssetFactory(organization=org_a, owner=owner)  # an AI SaaS tool: its owner oversees AI
        AssetFactory(organization=org_a, owner=bystander, asset_type="laptop")
        coverage = selectors.literacy_coverage(today)
        assert (coverage.covered, coverage.total) == (0, 2)
        counted = selectors.literacy_counts(today)  # the home page's, in SQL
        assert (counted.covered, counted.total) == (0, 2)
        make_training(org_a, member=user, requirement=literacy)
        make_training(
            org_a,
            member=owner,
            requirement=literacy,
            completed_on=today - timedelta(days=400),
            expires_on=today,  # expires today: no longer valid
        )
        coverage = selectors.literacy_coverage(today)
        assert (coverage.covered, coverage.total, coverage.percent) == (1, 2, 50)
        assert [u.pk for u in coverage.uncovered] == [owner.pk]
        counted = selectors.literacy_counts(today)
        assert (counted.covered, counted.total, counted.percent) == (1, 2, 50)
        shown = {f.label: f for f in figures(actor_for(org_a))}
    assert shown["AI literacy coverage (%)"].value == 50
    assert "1 of 2" in shown["AI literacy coverage (%)"].note


# --- the reminder sweep ---


def test_expiring_training_reaches_the_member_unless_renewed(org_a, member, in_tenant):
    today = timezone.localdate()
    user, leaver = member(org_a, Role.CONTRIBUTOR), member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        literacy = make_requirement(org_a)
        soon = make_training(
            org_a,
            member=user,
            requirement=literacy,
            completed_on=today - timedelta(days=350),
            expires_on=today + timedelta(days=15),
        )
        make_training(
            org_a,
            member=user,
            course="Far off",
            requirement=None,
            expires_on=today + timedelta(days=400),
        )
        make_training(
            org_a, member=leaver, requirement=literacy, expires_on=today + timedelta(days=3)
        )
        leaver.memberships.filter(organization=org_a).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
        items = list(training_expiring(org_a.pk, today))
        assert [(i.recipient_ids, i.due_on) for i in items] == [([user.pk], soon.expires_on)]
        assert f"/competence/training/{soon.pk}/" in items[0].url
        make_training(org_a, member=user, requirement=literacy)  # renewed: a later expiry
        assert list(training_expiring(org_a.pk, today)) == []


# --- pages and API ---


def test_training_is_recorded_with_evidence_through_the_pages(
    org_a, org_b, member, client_for, in_tenant
):
    user = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        literacy = make_requirement(org_a, title="AI literacy basics")
        make_assignment(org_a, member=user, responsibility="ai_user")
    officer = client_for(member(org_a, Role.OFFICER))
    base = f"/o/{org_a.slug}/monitoring/competence/"
    page = officer.get(base).content.decode()
    assert "No record" in page and "AI literacy basics" in page
    response = officer.post(
        f"{base}training/new/",
        {
            "member": user.pk,
            "requirement": literacy.pk,
            "kind": "training",
            "course": "AI literacy e-learning",
            "completed_on": timezone.localdate().isoformat(),
            "evidence_file": pdf("certificate.pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_tenant(org_a):
        record = TrainingRecord.objects.get()
    assert record.expires_on == services.add_months(timezone.localdate(), 12)
    assert "No gap" in officer.get(base).content.decode()
    download = officer.get(f"{base}training/{record.pk}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    outsider = client_for(member(org_b, Role.ADMIN))
    b = f"/o/{org_b.slug}/monitoring/competence/"
    for url in [f"training/{record.pk}/", f"training/{record.pk}/evidence/"]:
        assert outsider.get(b + url).status_code == 404
    assert outsider.post(f"{b}requirements/{literacy.pk}/edit/", {}).status_code == 404
    assert "AI literacy basics" not in outsider.get(b).content.decode()
    assert "AI literacy e-learning" not in outsider.get(f"{b}training/").content.decode()
    reader = client_for(member(org_a, Role.AUDITOR))
    assert reader.get(f"{base}training/new/").status_code == 403


def test_competence_through_the_api(org_a, org_b, member, api_for, in_tenant):
    user = member(org_a, Role.CONTRIBUTOR)
    api = api_for(member(org_a, Role.OFFICER))
    base = f"/api/v1/orgs/{org_a.slug}"
    requirement = api.post(
        f"{base}/competence-requirements/",
        {"responsibility": "internal_auditor", "title": "ISO 42001 internal audit"},
        format="json",
    )
    assert requirement.status_code == 201, requirement.content
    again = api.post(
        f"{base}/competence-requirements/",
        {"responsibility": "internal_auditor", "title": "ISO 42001 internal audit"},
        format="json",
    )
    assert again.status_code == 409
    assignment = api.post(
        f"{base}/responsibility-assignments/",
        {"member": user.pk, "responsibility": "internal_auditor"},
        format="json",
    )
    assert assignment.status_code == 201, assignment.content
    with in_tenant(org_b):
        foreign = make_requirement(org_b)
    record = {
        "member": user.pk,
        "requirement": foreign.pk,
        "course": "Lead auditor",
        "completed_on": timezone.localdate().isoformat(),
    }
    refused = api.post(f"{base}/training-records/", record, format="json")
    assert refused.status_code == 400 and "requirement" in refused.json()["errors"]
    record["requirement"] = requirement.json()["id"]
    created = api.post(
        f"{base}/training-records/", record | {"expires_on": "2000-01-01"}, format="json"
    )
    assert created.status_code == 400 and "expires_on" in created.content.decode()
    created = api.post(f"{base}/training-records/", record, format="json")
    assert created.status_code == 201, created.content
    bravo = api_for(member(org_b, Role.ADMIN))
    b = f"/api/v1/orgs/{org_b.slug}"
    assert bravo.get(f"{b}/training-records/{created.json()['id']}/").status_code == 404
    assert bravo.get(f"{b}/training-records/").json()["count"] == 0
    withdrawn = api.delete(f"{base}/responsibility-assignments/{assignment.json()['id']}/")
    assert withdrawn.status_code == 204


def test_the_pages_keep_a_constant_number_of_queries(
    org_a, member, client_for, api_for, in_tenant, django_assert_max_num_queries
):
    with in_tenant(org_a):
        for _ in range(15):
            requirement = make_requirement(org_a, responsibility="human_overseer")
            assignment = make_assignment(org_a)
            make_training(org_a, member=assignment.member, requirement=requirement)
            AssetFactory(organization=org_a, owner=assignment.member)
    client = client_for(member(org_a, Role.AUDITOR))
    for url in ["", "training/"]:
        with django_assert_max_num_queries(25):
            assert client.get(f"/o/{org_a.slug}/monitoring/competence/{url}").status_code == 200
    api = api_for(member(org_a, Role.AUDITOR))
    for path in ["competence-requirements", "responsibility-assignments", "training-records"]:
        with django_assert_max_num_queries(20):
            response = api.get(f"/api/v1/orgs/{org_a.slug}/{path}/")
        assert response.status_code == 200 and response.json()["count"] >= 15, path
