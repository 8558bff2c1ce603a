"""Competence and awareness (ISO 27001 / ISO 42001 Clauses 7.2 and 7.3) and AI literacy (EU AI
Act Art. 4): training records expire from the competence's renewal period, gaps are computed
from who holds which responsibility, AI literacy coverage counts the members who use or
oversee AI (incl. owners of AI assets), expiring training reaches the member's tasks, and
another organisation sees none of it (UI and API)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from isms import policy
from isms.errors import NotPermitted
from isms.home import figures
from isms.models import Role
from monitoring.competence import selectors, services, views
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
        report = selectors.gaps(today)
    found = {(g.member.pk, g.requirement.pk): g for g in report.gaps}
    assert found[(overseer.pk, oversight.pk)].status == "expired"
    assert found[(overseer.pk, oversight.pk)].expired_on == today - timedelta(days=35)
    assert (trained.pk, oversight.pk) not in found
    # Everyone on the staff needs awareness; an auditor from outside is not staff.
    assert found[(trained.pk, awareness.pk)].status == "missing"
    assert (auditor.pk, awareness.pk) not in found
    # The named responsibility's gap comes before everyone's awareness; the figures per
    # competence count its holders and its gaps by kind.
    assert report.gaps[0] == found[(overseer.pk, oversight.pk)]
    by_title = {f.requirement.title: f for f in report.requirements}
    oversight_figures = by_title["Oversight of AI outputs"]
    assert (oversight_figures.holders, oversight_figures.met) == (2, 1)
    assert (oversight_figures.missing, oversight_figures.expired) == (0, 1)
    assert (report.missing, report.expired) == (len(report.gaps) - 1, 1)


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


def _large_competence_org(organization, in_tenant, count: int):
    """`count` AI users (an AI literacy competence each, none trained) and everyone's
    awareness, half of it recorded and now expired: more rows than a page shows."""
    today = timezone.localdate()
    with in_tenant(organization):
        literacy = make_requirement(organization, title="AI literacy basics")
        awareness = make_requirement(
            organization, responsibility="all_staff", title="Security awareness", ai_literacy=False
        )
        users = [
            make_assignment(organization, responsibility="ai_user", note="").member
            for _ in range(count)
        ]
        for user in users[::2]:
            make_training(
                organization,
                member=user,
                requirement=awareness,
                completed_on=today - timedelta(days=400),
                expires_on=today - timedelta(days=10),
            )
    return users, literacy, awareness


def _next(page: str, anchor: str) -> str | None:
    """The link to the next page of the list at `anchor` (each list's pager keeps its place)."""
    found = re.search(rf'href="(\?[^"]*#{anchor})">Next', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_large_organisation_sees_the_figures_and_the_most_pressing_gaps_first(
    org_a, org_b, member, client_for, in_tenant
):
    users, literacy, awareness = _large_competence_org(org_a, in_tenant, 30)
    officer = client_for(member(org_a, Role.OFFICER))
    base = f"/o/{org_a.slug}/monitoring/competence/"
    response = officer.get(base)
    page = response.content.decode()
    # 30 AI users lack AI literacy; 31 staff (the 30 and the officer) need awareness, 15 of
    # them with an expired record.
    with in_tenant(org_a):
        report = selectors.gaps(timezone.localdate())
    assert (len(report.gaps), report.missing, report.expired) == (61, 46, 15)
    assert re.search(r'<div class="display-6"[^>]*>61</div>', page)
    assert "46 with no record · 15 expired" in page
    assert re.search(r'<div class="display-6"[^>]*>31</div>', page)  # members to train
    assert "with a gap in one of 2 competences required" in page
    assert "0 of 30 who use or oversee AI" in page
    assert re.search(r'<div class="display-6"[^>]*>30</div>', page)  # responsibilities held
    assert f'href="?requirement={literacy.pk}#gaps">30 gaps' in page
    assert f'href="?requirement={awareness.pk}#gaps">31 gaps' in page
    # The first page: 25 gaps, AI literacy (a named responsibility) before awareness, by name.
    shown = response.context["gaps"].rows
    assert len(shown) == views.GAPS_PER_PAGE
    assert {g.requirement.pk for g in shown} == {literacy.pk}
    names = sorted((u.get_full_name() for u in users), key=str.casefold)
    assert [g.member.name for g in shown] == names[: views.GAPS_PER_PAGE]
    assert escape(names[0]) in page and escape(names[-1]) not in page.split('id="literacy"')[0]
    assert "1–25 of 61" in page and "Page 1 of 3" in page
    assert _next(page, "gaps") == "?gaps_page=2#gaps"
    # Not 30 names inline: a count and a link to them; the held responsibilities paged too.
    literacy_part = page.split('id="literacy"')[1].split('id="held"')[0]
    assert "30 of them are not yet covered" in literacy_part
    assert not any(escape(name) in literacy_part for name in names)
    assert 'href="?uncovered_page=1#literacy">List the 30 names' in page
    assert "1–25 of 30" in page and _next(page, "held") == "?held_page=2#held"
    # The last page of gaps: the expired awareness records last, the longest expired first.
    last = officer.get(base, {"gaps_page": 3})
    assert [g.status for g in last.context["gaps"].rows] == ["expired"] * 11
    assert "51–61 of 61" in last.content.decode()
    # One competence's gaps, from its count.
    chosen = officer.get(base, {"requirement": awareness.pk}).content.decode()
    assert "Gaps in Security awareness" in chosen and "31 of 31 holders" in chosen
    assert "1–25 of 31" in chosen and _next(chosen, "gaps") == (
        f"?requirement={awareness.pk}&gaps_page=2#gaps"
    )
    assert f"gaps.csv?requirement={awareness.pk}" in chosen
    # Another organisation sees none of it, and its own figures.
    outsider = client_for(member(org_b, Role.ADMIN))
    theirs = outsider.get(f"/o/{org_b.slug}/monitoring/competence/").content.decode()
    assert "AI literacy basics" not in theirs and escape(names[0]) not in theirs
    assert re.search(r'<div class="display-6"[^>]*>0</div>', theirs)
    foreign = outsider.get(f"/o/{org_b.slug}/monitoring/competence/gaps.csv")
    assert foreign.status_code == 200 and b"AI literacy basics" not in foreign.content
    assert outsider.get(f"{base}gaps.csv").status_code == 404


def test_every_gap_name_and_responsibility_stays_reachable(org_a, member, client_for, in_tenant):
    users, literacy, _ = _large_competence_org(org_a, in_tenant, 30)
    reader = client_for(member(org_a, Role.AUDITOR))
    base = f"/o/{org_a.slug}/monitoring/competence/"
    with in_tenant(org_a):
        expected = {
            (g.member.pk, g.requirement.pk) for g in selectors.gaps(timezone.localdate()).gaps
        }
    assert len(expected) == 60  # the auditor reading is not staff: no awareness to hold

    def walk(section: str, start: str = "") -> tuple[list, int]:
        rows, url, pages = [], start, 0
        while url is not None:
            response = reader.get(base + url)
            rows += list(response.context[section].rows)
            anchor = "literacy" if section == "uncovered" else section
            url = _next(response.content.decode(), anchor)
            pages += 1
        return rows, pages

    gaps, pages = walk("gaps")
    assert pages == 3 and {(g.member.pk, g.requirement.pk) for g in gaps} == expected
    assert len(gaps) == len(expected)  # each once
    held, pages = walk("held")
    assert pages == 2 and {a.member_id for a in held} == {u.pk for u in users}
    uncovered, pages = walk("uncovered", "?uncovered_page=1")
    assert pages == 1 and {p.pk for p in uncovered} == {u.pk for u in users}
    names = reader.get(base, {"uncovered_page": 1}).content.decode()
    assert all(escape(u.get_full_name()) in names for u in users)
    # The export has every gap, in the page's order, as the auditor reads it.
    export = reader.get(f"{base}gaps.csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == [
        "Member", "E-mail", "Responsibility", "Competence required", "AI literacy", "Gap",
        "Expired on",
    ]  # fmt: skip
    assert len(rows) == 61 and rows[1][3] == "AI literacy basics" and rows[1][5] == "No record"
    assert rows[-1][3] == "Security awareness" and rows[-1][5] == "Expired"
    emails = {u.pk: u.email for u in users}
    assert {r[1] for r in rows[1:31]} == set(emails.values())
    only = reader.get(f"{base}gaps.xlsx", {"requirement": literacy.pk})
    assert only.status_code == 200 and only["Content-Disposition"].endswith('gaps.xlsx"')
    assert reader.get(f"{base}gaps.pdf").status_code == 404


def test_a_small_organisation_sees_everything_at_once(org_a, member, client_for, in_tenant):
    users, _, _ = _large_competence_org(org_a, in_tenant, 4)
    page = client_for(member(org_a, Role.OFFICER)).get(f"/o/{org_a.slug}/monitoring/competence/")
    body = page.content.decode()
    # 4 + 5 gaps, 4 responsibilities held, 4 names not covered: all inline, no pager.
    assert len(page.context["gaps"].rows) == 9 and "Page 1 of" not in body
    assert "Gaps, most pressing first" in body and "Download as CSV" in body
    assert all(escape(u.get_full_name()) in body.split("Not yet covered: ")[1] for u in users)
    assert len(page.context["held"].rows) == 4


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
