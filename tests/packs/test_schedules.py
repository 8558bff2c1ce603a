"""Scheduled evidence packs (issue 21; ISO/IEC 27001:2022 9.1, results retained as
documented information 7.5.3): an officer schedules, edits, pauses, resumes and deletes a
schedule from the packs page; the beat's per-organisation task requests each due pack once
per period, however often it runs; every change is in the audit trail; another organisation
can neither see nor trigger the schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from isms.models import AuditEvent, Role
from monitoring.packs import services
from monitoring.packs.models import Cadence, EvidencePack, PackSchedule, PackStatus
from monitoring.packs.tasks import run_schedules
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db


def _url(org, suffix: str = "") -> str:
    return f"/o/{org.slug}/monitoring/packs/{suffix}"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _form(next_due, **changes) -> dict:
    return {
        "frameworks": ["iso27001-2022"],
        "sections": ["suppliers", "policies"],
        "every_months": Cadence.QUARTERLY,
        "next_due": _local(next_due),
        **changes,
    }


def test_add_months_keeps_the_day_or_takes_the_months_last():
    start = timezone.now().replace(year=2026, month=1, day=31, hour=6, minute=0)
    assert services.add_months(start, 1).date().isoformat() == "2026-02-28"
    assert services.add_months(start, 3).date().isoformat() == "2026-04-30"
    assert services.add_months(start, 12).date().isoformat() == "2027-01-31"


def test_officer_schedules_edits_pauses_resumes_and_deletes_from_the_packs_page(
    org_a, member, client_for, in_tenant
):
    client = client_for(member(org_a, Role.OFFICER))
    form = client.get(_url(org_a, "schedules/new/"))
    assert form.status_code == 200
    assert form.context["form"].initial["next_due"] > timezone.now()
    soon = timezone.now() + timedelta(days=2)
    response = client.post(_url(org_a, "schedules/new/"), _form(soon))
    assert response.status_code == 302 and response["Location"] == _url(org_a)
    with in_tenant(org_a):
        schedule = PackSchedule.objects.get()
    assert (schedule.every_months, schedule.sections, schedule.active) == (
        3,
        ["suppliers", "policies"],
        True,
    )
    listing = client.get(_url(org_a))
    assert list(listing.context["schedules"]) == [schedule]
    assert b"Quarterly" in listing.content and b"Scheduled packs" in listing.content

    edit = client.get(_url(org_a, f"schedules/{schedule.pk}/"))
    assert edit.status_code == 200 and edit.context["form"].initial["every_months"] == 3
    later = timezone.now() + timedelta(days=10)
    response = client.post(
        _url(org_a, f"schedules/{schedule.pk}/"),
        _form(later, every_months=Cadence.MONTHLY, frameworks=["iso42001-2023"]),
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        schedule.refresh_from_db()
    assert (schedule.every_months, schedule.frameworks) == (1, ["iso42001-2023"])
    assert _local(schedule.next_due) == _local(later)

    assert client.post(_url(org_a, f"schedules/{schedule.pk}/pause/")).status_code == 302
    with in_tenant(org_a):
        schedule.refresh_from_db()
        assert schedule.active is False
        # paused: even overdue, the sweep requests nothing
        PackSchedule.objects.filter(pk=schedule.pk).update(
            next_due=timezone.now() - timedelta(days=40)
        )
        assert services.schedules_run_due() == 0
    assert client.post(_url(org_a, f"schedules/{schedule.pk}/resume/")).status_code == 302
    with in_tenant(org_a):
        schedule.refresh_from_db()
    assert schedule.active and schedule.next_due > timezone.now()  # no catching up

    assert client.post(_url(org_a, f"schedules/{schedule.pk}/delete/")).status_code == 302
    with in_tenant(org_a):
        assert not PackSchedule.objects.exists()
        actions = list(
            AuditEvent.objects.filter(
                table_name="monitoring_packs_packschedule", object_id=str(schedule.pk)
            )
            .order_by("id")
            .values_list("action", flat=True)
        )
    # created, edited, paused, moved, resumed, deleted: each change is in the trail
    assert actions[0] == "insert" and actions[-1] == "delete"
    assert actions.count("update") >= 3


def test_bad_schedules_are_refused_naming_the_field(org_a, member, client_for, in_tenant):
    client = client_for(member(org_a, Role.OFFICER))
    past = client.post(_url(org_a, "schedules/new/"), _form(timezone.now() - timedelta(days=1)))
    assert past.status_code == 400
    assert "cannot be in the past" in str(past.context["form"].errors["next_due"])
    weekly = client.post(
        _url(org_a, "schedules/new/"), _form(timezone.now() + timedelta(days=1), every_months=7)
    )
    assert weekly.status_code == 400 and "every_months" in weekly.context["form"].errors
    nothing = client.post(
        _url(org_a, "schedules/new/"), _form(timezone.now() + timedelta(days=1), sections=[])
    )
    assert nothing.status_code == 400 and "sections" in nothing.context["form"].errors
    with in_tenant(org_a):
        assert not PackSchedule.objects.exists()


def test_the_beat_requests_each_due_pack_once_per_period(org_a, in_tenant):
    with in_tenant(org_a):
        schedule = services.schedule_create(
            actor=actor_for(org_a),
            frameworks=["iso27001-2022"],
            sections=["suppliers"],
            every_months=Cadence.QUARTERLY,
        )
        period = schedule.next_due
    # the beat's per-organisation task, twice for the same period
    assert run_schedules.apply(kwargs={"organization_id": org_a.pk}).get() == 1
    assert run_schedules.apply(kwargs={"organization_id": org_a.pk}).get() == 0
    with in_tenant(org_a):
        pack = EvidencePack.objects.get()
        assert (pack.schedule, pack.schedule_period, pack.as_of) == (schedule, period, period)
        assert pack.status == PackStatus.QUEUED and pack.requested_by is None
        schedule.refresh_from_db()
        assert schedule.next_due == services.add_months(period, 3)
        # a run that still sees the old period (a beat that overlapped) adds no second pack
        PackSchedule.objects.filter(pk=schedule.pk).update(next_due=period)
        assert services.schedules_run_due() == 0
        assert EvidencePack.objects.count() == 1
        schedule.refresh_from_db()
        assert schedule.next_due > timezone.now()
    # the pack renders as any other and names its schedule as requester
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=1) == "done"
    with in_tenant(org_a):
        pack.refresh_from_db()
        assert pack.status == PackStatus.DONE
        # deleting the schedule keeps its finished (immutable) pack
        services.schedule_delete(actor=actor_for(org_a), schedule=schedule)
        kept = EvidencePack.objects.get()
        assert kept.schedule_id is None and kept.pdf_sha256 == pack.pdf_sha256


def test_a_sweep_that_missed_periods_makes_one_pack_for_the_latest(org_a, in_tenant):
    with in_tenant(org_a):
        schedule = services.schedule_create(
            actor=actor_for(org_a), frameworks=["iso27001-2022"], sections=["suppliers"]
        )
        old = timezone.now() - timedelta(days=100)
        PackSchedule.objects.filter(pk=schedule.pk).update(next_due=old)
        assert services.schedules_run_due() == 1
        schedule.refresh_from_db()
        assert timezone.now() < schedule.next_due <= timezone.now() + timedelta(days=32)
        assert EvidencePack.objects.get().as_of == old


def test_another_organisation_cannot_see_change_or_trigger_a_schedule(
    org_a, org_b, member, client_for, in_tenant
):
    with in_tenant(org_a):
        schedule = services.schedule_create(
            actor=actor_for(org_a), frameworks=["iso27001-2022"], sections=["suppliers"]
        )
    b = client_for(member(org_b, Role.OFFICER))
    assert list(b.get(_url(org_b)).context["schedules"]) == []
    for suffix in ("", "pause/", "resume/", "delete/"):
        method = b.get if suffix == "" else b.post
        # by id, under B's slug: the same 404 as an id that does not exist
        assert method(_url(org_b, f"schedules/{schedule.pk}/{suffix}")).status_code == 404
        assert method(_url(org_b, f"schedules/999999/{suffix}")).status_code == 404
        # under A's slug B is not a member
        assert method(_url(org_a, f"schedules/{schedule.pk}/{suffix}")).status_code in {403, 404}
    # B's sweep neither sees nor runs A's due schedule
    assert run_schedules.apply(kwargs={"organization_id": org_b.pk}).get() == 0
    with in_tenant(org_b):
        assert not EvidencePack.objects.exists()
    with in_tenant(org_a):
        kept = PackSchedule.objects.get()
        assert (kept.active, kept.next_due) == (True, schedule.next_due)
        assert not EvidencePack.objects.exists()


def test_an_auditor_reads_schedules_but_changes_none(org_a, member, client_for, in_tenant):
    with in_tenant(org_a):
        schedule = services.schedule_create(
            actor=actor_for(org_a), frameworks=["iso27001-2022"], sections=["suppliers"]
        )
    auditor = client_for(member(org_a, Role.AUDITOR))
    listing = auditor.get(_url(org_a))
    assert listing.status_code == 200 and list(listing.context["schedules"]) == [schedule]
    assert b"/pause/" not in listing.content and b"/delete/" not in listing.content
    assert auditor.get(_url(org_a, "schedules/new/")).status_code == 403
    assert auditor.get(_url(org_a, f"schedules/{schedule.pk}/")).status_code == 403
    for suffix in ("pause/", "resume/", "delete/"):
        assert auditor.post(_url(org_a, f"schedules/{schedule.pk}/{suffix}")).status_code == 403
