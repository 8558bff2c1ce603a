"""The policies pages: what each role sees and can do, refusals with real statuses, the
auditor's two clicks, HTMX acknowledgement, pinned query counts, admin and demo data."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from isms.demo import DemoContext
from isms.models import Membership, Role
from policies import demo, services
from policies.models import Acknowledgement, Policy, PolicyVersion, VersionStatus
from tests.factories import MembershipFactory
from tests.policies.factories import actor_for, make_draft, make_published
from tests.policies.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a, member):
    return {
        "officer": member(org_a, Role.OFFICER),
        "approver": member(org_a, Role.OFFICER),
        "reader": member(org_a, Role.CONTRIBUTOR),
        "auditor": member(org_a, Role.AUDITOR),
    }


def page(org, path=""):
    return f"/o/{org.slug}/policies/{path}"


@pytest.fixture
def ai_policy(org_a, people, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(people["officer"], org_a)
        draft = services.policy_create_from_template(
            actor=officer, template_key="ai-acceptable-use"
        )
        services.version_submit(actor=officer, version=draft, approver=people["approver"])
        services.version_approve(actor=actor_for(people["approver"], org_a), version=draft)
        services.version_publish(actor=officer, version=draft)
        services.acknowledge(actor=actor_for(people["reader"], org_a), version=draft)
    return draft


def test_auditor_gets_approver_and_readers_in_two_clicks_from_home(
    org_a, people, ai_policy, client_for
):
    client = client_for(people["auditor"])
    home = client.get(f"/o/{org_a.slug}/")
    assert home.status_code == 200
    policy_url = page(org_a, f"{ai_policy.policy_id}/")
    assert policy_url.encode() in home.content, "click 1: the home figure links to the policy"
    assert b"% have read the AI acceptable use policy" in home.content
    detail = client.get(policy_url)
    assert detail.status_code == 200
    html = detail.content.decode()
    approver = people["approver"]
    assert f"{approver.get_full_name()} on" in html  # who approved, and when
    assert "1 of 3 members (33%)" in html  # who has read it
    ack_url = page(org_a, f"versions/{ai_policy.pk}/acknowledgements/")
    readers = client.get(ack_url).content.decode()  # click 2: the names, times and addresses
    assert people["reader"].get_full_name() in readers
    assert people["officer"].get_full_name() in readers.split("Not yet acknowledged")[1]


def test_contributors_do_not_see_who_has_read(org_a, people, ai_policy, client_for):
    client = client_for(people["reader"])
    detail = client.get(page(org_a, f"{ai_policy.policy_id}/"))
    assert detail.status_code == 200 and b"Not yet acknowledged" not in detail.content
    refused = client.get(page(org_a, f"versions/{ai_policy.pk}/acknowledgements/"))
    assert refused.status_code == 403


def test_buttons_follow_the_rules(org_a, people, client_for, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(people["officer"], org_a)
        version = make_draft(org_a, officer=officer)
        services.version_submit(actor=officer, version=version, approver=people["approver"])
    url = page(org_a, f"versions/{version.pk}/")
    as_author = client_for(people["officer"]).get(url).content.decode()
    as_approver = client_for(people["approver"]).get(url).content.decode()
    assert ">Approve</button>" not in as_author and ">Return to draft</button>" in as_author
    assert ">Approve</button>" in as_approver


def test_refused_transitions_redirect_with_the_reason(org_a, people, client_for, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(people["officer"], org_a)
        version = make_draft(org_a, officer=officer)
        services.version_submit(actor=officer, version=version, approver=people["approver"])
    author = client_for(people["officer"])
    here = page(org_a, f"versions/{version.pk}/")
    refused = author.post(page(org_a, f"versions/{version.pk}/approve/"), follow=True)
    assert refused.redirect_chain == [(here, 302)]
    assert b"segregation of duties" in refused.content
    early = author.post(page(org_a, f"versions/{version.pk}/publish/"), follow=True)
    assert early.redirect_chain == [(here, 302)]
    assert b"only one that is approved can be published" in early.content
    done = client_for(people["approver"]).post(page(org_a, f"versions/{version.pk}/approve/"))
    assert done.status_code == 302
    with in_tenant(org_a):
        assert PolicyVersion.objects.get(pk=version.pk).status == VersionStatus.APPROVED


def test_a_published_version_cannot_be_edited_in_the_ui(org_a, people, ai_policy, client_for):
    client = client_for(people["officer"])
    edit_url = page(org_a, f"versions/{ai_policy.pk}/edit/")
    assert client.get(edit_url).status_code == 302
    response = client.post(edit_url, {"body_markdown": "rewritten"})
    assert response.status_code == 409
    assert "can no longer change" in response.content.decode()


def test_from_template_then_edit_then_submit_in_the_ui(org_a, people, client_for, in_tenant):
    client = client_for(people["officer"])
    created = client.post(page(org_a, "templates/"), {"template": "supplier-ai-section"})
    assert created.status_code == 302
    with in_tenant(org_a):
        version = PolicyVersion.objects.get()
    assert created.url.endswith(f"/versions/{version.pk}/edit/")
    bad = client.post(created.url, {"document": upload("x.pdf", b"not a pdf")})
    assert bad.status_code == 400 and "content is not a PDF file" in bad.content.decode()
    saved = client.post(
        created.url, {"body_markdown": "# Text\n<script>x()</script>", "change_summary": "tidy"}
    )
    assert saved.status_code == 302
    shown = client.get(page(org_a, f"versions/{version.pk}/")).content.decode()
    assert "<script>x()" not in shown
    self_approval = client.post(
        page(org_a, f"versions/{version.pk}/submit/"), {"approver": people["officer"].pk}
    )
    assert self_approval.status_code == 400 and "segregation of duties" in (
        self_approval.content.decode()
    )
    submitted = client.post(
        page(org_a, f"versions/{version.pk}/submit/"), {"approver": people["approver"].pk}
    )
    assert submitted.status_code == 302


def test_bad_policy_input_rerenders_with_400(org_a, people, client_for):
    response = client_for(people["officer"]).post(page(org_a, "new/"), {"title": ""})
    assert response.status_code == 400 and b"is-invalid" in response.content


def test_one_click_acknowledgement_with_htmx(org_a, people, ai_policy, client_for, in_tenant):
    client = client_for(people["approver"])
    reading = client.get(page(org_a, "to-read/"))
    assert b"I have read v1" in reading.content and b"1 policy to read" in reading.content
    response = client.post(
        page(org_a, f"versions/{ai_policy.pk}/acknowledge/"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page(org_a, 'to-read/')}",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200 and b"Acknowledged" in response.content
    assert b"<html" not in response.content
    # The "N policies to read" line above the list is swapped in the same answer (issue 17).
    assert b'id="to-read-summary"' in response.content and b"hx-swap-oob" in response.content
    assert b"You are up to date" in response.content
    with in_tenant(org_a):
        ack = Acknowledgement.objects.get(user=people["approver"])
    assert (ack.version_id, ack.ip_address) == (ai_policy.pk, "203.0.113.9")
    assert b"You are up to date" in client.get(page(org_a, "to-read/")).content
    auditor = client_for(people["auditor"]).post(
        page(org_a, f"versions/{ai_policy.pk}/acknowledge/")
    )
    assert auditor.status_code == 403


def test_diff_pages_escape_and_show_both_views(org_a, people, client_for, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(people["officer"], org_a)
        first = make_published(org_a, officer=officer, body="keep\n<script>old()</script>\n")
        second = services.version_create_draft(
            actor=officer, policy=first.policy, body_markdown="keep\n<img onerror=x>\n"
        )
    client = client_for(people["auditor"])
    for view in ("side", "unified"):
        html = client.get(
            page(org_a, f"versions/{second.pk}/diff/"), {"against": first.pk, "view": view}
        ).content.decode()
        assert "&lt;script&gt;old()&lt;/script&gt;" in html and "<script>old" not in html
        assert "&lt;img onerror=x&gt;" in html
        assert "1 line added" in html


def test_other_organisations_pages_are_404(org_a, org_b, people, client_for, in_tenant):
    with in_tenant(org_b):
        foreign = make_published(org_b)
    client = client_for(people["officer"])
    for path in [
        f"{foreign.policy_id}/",
        f"versions/{foreign.pk}/",
        f"versions/{foreign.pk}/acknowledgements/",
    ]:
        assert client.get(page(org_a, path)).status_code == 404
    assert client.post(page(org_a, f"versions/{foreign.pk}/acknowledge/")).status_code == 404


def _bulk_policies(org, owner, in_tenant, count):
    with in_tenant(org):
        start = Policy.objects.count()
        Policy.objects.bulk_create(
            Policy(
                organization_id=org.pk,
                title=f"Bulk {start + i:04}",
                owner=owner,
                covers_ai=bool(i % 2),
                ai_sections=["incidents"],
            )
            for i in range(count)
        )


def test_policy_list_query_count_is_pinned(
    org_a, people, client_for, in_tenant, django_assert_max_num_queries
):
    client = client_for(people["officer"])
    _bulk_policies(org_a, people["officer"], in_tenant, 10)
    with django_assert_max_num_queries(20) as small:
        assert client.get(page(org_a)).status_code == 200
    _bulk_policies(org_a, people["officer"], in_tenant, 190)
    with django_assert_max_num_queries(20) as large:
        response = client.get(page(org_a))
    assert b"200 policies" in response.content
    assert len(small.captured_queries) == len(large.captured_queries)


def test_acknowledgement_page_query_count_is_pinned(
    org_a, people, ai_policy, client_for, in_tenant, django_assert_max_num_queries
):
    client = client_for(people["officer"])
    url = page(org_a, f"versions/{ai_policy.pk}/acknowledgements/")

    def add_members(n, acknowledging):
        users = [
            MembershipFactory(organization=org_a, role=Role.CONTRIBUTOR).user for _ in range(n)
        ]
        with in_tenant(org_a):
            Acknowledgement.objects.bulk_create(
                Acknowledgement(
                    organization_id=org_a.pk, version=ai_policy, user=u, ip_address="192.0.2.1"
                )
                for u in users[:acknowledging]
            )

    add_members(10, 5)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    add_members(190, 95)
    with django_assert_max_num_queries(40) as large:
        response = client.get(url)
    assert "101 of 203 members of the audience (50%)" in response.content.decode()
    assert len(small.captured_queries) == len(large.captured_queries)


def test_admin_is_read_only_and_scoped_to_a_chosen_organisation(
    org_a, org_b, ai_policy, client_for, in_tenant
):
    with in_tenant(org_b):
        make_published(org_b)
    staff = get_user_model().objects.create_superuser(
        "root@example.test", "root@example.test", "pw"
    )
    client = client_for(staff)
    base = "/admin/policies/policyversion/"
    assert client.get(base).status_code == 200
    listed = client.get(base, {"org": org_a.pk})
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1
    change = f"{base}{ai_policy.pk}/change/"
    view = client.get(change)
    assert view.status_code == 200 and b"readonly" in view.content
    refused = client.post(change, {"body_markdown": "tampered", "status": "draft"})
    assert refused.status_code == 403
    assert client.post(f"{base}{ai_policy.pk}/delete/", {"post": "yes"}).status_code == 403
    with in_tenant(org_a):
        stored = PolicyVersion.objects.get(pk=ai_policy.pk)
    assert stored.status == VersionStatus.PUBLISHED and stored.body_markdown != "tampered"


def test_demo_data_is_complete_and_idempotent(org_a, member, in_tenant):
    users = {r: member(org_a, r) for r in ("admin", "officer", "contributor", "auditor")}
    context = DemoContext(organization=org_a, users=users)
    for _ in range(2):
        with in_tenant(org_a):
            demo.load(context)
    with in_tenant(org_a):
        ai = Policy.objects.get(title=demo.AI_TITLE)
        statuses = list(ai.versions.order_by("number").values_list("status", flat=True))
        classification = Policy.objects.get(title=demo.CLASSIFICATION_TITLE)
        assert statuses == ["superseded", "published"]
        assert list(classification.versions.values_list("status", flat=True)) == ["in_review"]
        v2 = ai.versions.get(number=2)
        assert v2.acknowledgements.count() == 1  # partial: 1 of 3 staff members
        # AI acceptable use (2 versions), classification (1), and the five other starters
        assert Policy.objects.count() == 7 and PolicyVersion.objects.count() == 8
    assert Membership.objects.filter(organization=org_a).count() == 4
