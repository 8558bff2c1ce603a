"""The demo, the API and the pages of the inbox and the reviews, with isolation between
organisations beyond the generic suites (detect, read, change)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from isms.controls.loader import load_control_library
from isms.demo import load_demo
from isms.models import Role
from isms.tenancy import tenant_context
from monitoring.inbox.models import Notification
from monitoring.reviews.models import AIReview, ReviewSchedule, SubjectType
from tests.monitoring.factories import ai_asset, ai_schedule, make_notification

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _demo_state(organization_id):
    with tenant_context(organization_id):
        return {
            "schedules": ReviewSchedule.objects.count(),
            "overdue_ai": sorted(
                ReviewSchedule.objects.filter(
                    subject_type=SubjectType.AI_SYSTEM, next_due__lt=TODAY, active=True
                ).values_list("title", flat=True)
            ),
            "signed_off": list(
                AIReview.objects.filter(status="signed_off").values_list("asset__name", flat=True)
            ),
            "notifications": Notification.objects.count(),
        }


def test_demo_has_overdue_reviews_one_signed_off_and_reminders_idempotently():
    load_control_library()
    demo = load_demo()
    first = _demo_state(demo.organization.pk)
    assert {"Marketing chat assistant", "Customer churn model"} <= set(first["overdue_ai"])
    assert first["signed_off"] == ["Code assistant"]
    assert first["notifications"] > 0
    assert load_demo() and _demo_state(demo.organization.pk) == first


def test_my_tasks_lists_what_is_due_for_me_and_marks_read(org_a, member, client_for, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    someone = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        mine = ai_schedule(org_a, ai_asset(org_a, owner, name="Mine overdue"), due_in_days=-3)
        ai_schedule(org_a, ai_asset(org_a, someone, name="Not mine"), due_in_days=-3)
        ai_schedule(org_a, ai_asset(org_a, owner, name="Mine soon"), due_in_days=3)
        note = Notification.objects.create(
            recipient=owner, kind="review", subject="Review Mine overdue", url="/", key="k1"
        )
    client = client_for(owner)
    page = client.get(f"/o/{org_a.slug}/monitoring/tasks/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Mine overdue" in html and "Mine soon" in html and "Not mine" not in html
    assert f"/monitoring/reviews/schedules/{mine.pk}/" in html
    assert 'id="unread-count">1<' in html  # the header's count
    response = client.post(f"/o/{org_a.slug}/monitoring/notifications/{note.pk}/read/")
    assert response.status_code == 302
    with in_tenant(org_a):
        note.refresh_from_db()
    assert note.read_at is not None
    assert (
        'id="unread-count"' not in client.get(f"/o/{org_a.slug}/monitoring/tasks/").content.decode()
    )


def test_nobody_marks_someone_elses_notification_read(
    org_a, member, client_for, api_for, in_tenant
):
    with in_tenant(org_a):
        note = make_notification(org_a)
    other = member(org_a, Role.CONTRIBUTOR)
    assert (
        client_for(other)
        .post(f"/o/{org_a.slug}/monitoring/notifications/{note.pk}/read/")
        .status_code
        == 404
    )  # not even visible
    officer = member(org_a, Role.OFFICER)  # sees the organisation's, may not mark them
    response = api_for(user=officer).post(
        f"/api/v1/orgs/{org_a.slug}/notifications/{note.pk}/read/", {}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_notifications_api_lists_mine_and_marks_read(org_a, org_b, member, api_for, in_tenant):
    me = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        own = Notification.objects.create(recipient=me, kind="x", subject="Mine", url="/", key="a")
        make_notification(org_a)  # someone else's
    with in_tenant(org_b):
        make_notification(org_b)
    client = api_for(user=me)
    rows = client.get(f"/api/v1/orgs/{org_a.slug}/notifications/").json()["results"]
    assert [r["id"] for r in rows] == [own.pk]
    response = client.post(f"/api/v1/orgs/{org_a.slug}/notifications/{own.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    unread = client.get(f"/api/v1/orgs/{org_a.slug}/notifications/?unread=true").json()
    assert unread["count"] == 0
    assert client.post(f"/api/v1/orgs/{org_a.slug}/notifications/read-all/").json() == {"marked": 0}


def test_review_api_start_answer_sign_off(org_a, org_b, member, api_for, in_tenant):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        schedule = ai_schedule(org_a, ai_asset(org_a, owner), due_in_days=-1)
    with in_tenant(org_b):
        foreign = ai_schedule(org_b, due_in_days=-1)
    client = api_for(user=owner)
    base = f"/api/v1/orgs/{org_a.slug}/ai-reviews/"
    refused = client.post(base, {"schedule": foreign.pk}, format="json")
    assert refused.status_code == 400 and "schedule" in refused.json()["errors"]
    started = client.post(base, {"schedule": schedule.pk}, format="json")
    assert started.status_code == 201, started.content
    review = started.json()
    assert review["answers"]["linked_risks_reviewed"]["computed"] == "na"
    early = client.post(f"{base}{review['id']}/sign-off/", {}, format="json")
    assert early.status_code == 400 and "answers" in early.json()["errors"]
    answers = {k: {"answer": "yes", "note": ""} for k in review["answers"]}
    answered = client.post(
        f"{base}{review['id']}/answer/",
        {"answers": answers, "outcome": "continue"},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    signed = client.post(f"{base}{review['id']}/sign-off/", {}, format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "signed_off"
    again = client.post(f"{base}{review['id']}/sign-off/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    sched = client.get(f"/api/v1/orgs/{org_a.slug}/review-schedules/{schedule.pk}/").json()
    assert sched["last_reviewed_on"] == TODAY.isoformat() and sched["overdue"] is False


def test_review_pages_render_and_the_owner_signs_off_in_the_browser_form(
    org_a, member, client_for, in_tenant
):
    owner = member(org_a, Role.CONTRIBUTOR)
    with in_tenant(org_a):
        asset = ai_asset(org_a, owner, name="Reply drafter")
        schedule = ai_schedule(org_a, asset, due_in_days=-1)
    client = client_for(owner)
    listing = client.get(f"/o/{org_a.slug}/monitoring/reviews/?overdue=true")
    assert listing.status_code == 200 and "Reply drafter" in listing.content.decode()
    assert "overdue" in client.get(f"/o/{org_a.slug}/assets/{asset.pk}/").content.decode()
    start = client.post(f"/o/{org_a.slug}/monitoring/reviews/schedules/{schedule.pk}/start/")
    assert start.status_code == 302
    with in_tenant(org_a):
        review = AIReview.objects.get(schedule=schedule)
    page = client.get(start["Location"])
    assert page.status_code == 200 and "computed: na" in page.content.decode()
    data = {f"{k}__answer": "yes" for k in review.answers}
    data |= {"outcome": "continue", "sign_off": "1", "evaluations_passed__answer": "no"}
    refused = client.post(start["Location"], data)  # a "no" without a note
    assert refused.status_code == 400 and "Say why in a note" in refused.content.decode()
    with in_tenant(org_a):
        review.refresh_from_db()
    assert review.status == "draft"
    data |= {"evaluations_passed__note": "Bias test to be rerun next month"}
    response = client.post(start["Location"], data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_tenant(org_a):
        review.refresh_from_db()
        schedule.refresh_from_db()
    assert review.status == "signed_off" and schedule.next_due > TODAY
    assert review.answers["evaluations_passed"]["note"] == "Bias test to be rerun next month"


def test_another_organisation_cannot_detect_reviews_or_notifications(
    org_a, org_b, member, client_for, api_for, in_tenant
):
    with in_tenant(org_b):
        schedule = ai_schedule(org_b, due_in_days=-1)
        note = make_notification(org_b)
    admin_a = member(org_a, Role.ADMIN)
    client, api = client_for(admin_a), api_for(user=admin_a)
    for url in [
        f"/o/{org_a.slug}/monitoring/reviews/schedules/{schedule.pk}/",
        f"/api/v1/orgs/{org_a.slug}/review-schedules/{schedule.pk}/",
        f"/api/v1/orgs/{org_a.slug}/notifications/{note.pk}/",
    ]:
        getter = api if "/api/" in url else client
        assert getter.get(url).status_code == 404
    listing = client.get(f"/o/{org_a.slug}/monitoring/reviews/").content.decode()
    assert schedule.title not in listing
    tasks = client.get(f"/o/{org_a.slug}/monitoring/tasks/").content.decode()
    assert schedule.title not in tasks and note.subject not in tasks


def test_lists_keep_a_constant_number_of_queries(
    org_a, member, client_for, api_for, in_tenant, django_assert_max_num_queries
):
    officer = member(org_a, Role.OFFICER)
    with in_tenant(org_a):
        for _ in range(30):
            ai_schedule(org_a, due_in_days=-1)
    client, api = client_for(officer), api_for(user=officer)
    with django_assert_max_num_queries(12):
        assert client.get(f"/o/{org_a.slug}/monitoring/reviews/").status_code == 200
    with django_assert_max_num_queries(12):
        response = api.get(f"/api/v1/orgs/{org_a.slug}/review-schedules/")
        assert response.status_code == 200 and response.json()["count"] == 30
