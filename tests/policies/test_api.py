"""The policies API: status codes and bodies for the workflow, segregation, immutability,
acknowledgements, diffs, uploads, templates and other organisations."""

from __future__ import annotations

import hashlib

import pytest

from isms.models import Role
from isms.uploads import DEFAULT_MAX_BYTES
from policies import services
from policies.models import PolicyVersion, VersionStatus
from tests.policies.factories import actor_for, make_draft, make_published
from tests.policies.helpers import PDF_BYTES, docx_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a, member):
    return {
        "officer": member(org_a, Role.OFFICER),
        "approver": member(org_a, Role.OFFICER),
        "reader": member(org_a, Role.CONTRIBUTOR),
        "auditor": member(org_a, Role.AUDITOR),
    }


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def test_officer_creates_a_policy_and_bad_input_names_the_field(org_a, people, api_for):
    client = api_for(people["officer"])
    created = client.post(
        url(org_a, "policies/"),
        {"title": "Access control", "kind": "access_control", "owner": people["officer"].pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["kind"] == "access_control"
    assert created.json()["audience"] == "all"
    duplicate = client.post(
        url(org_a, "policies/"),
        {"title": "access control", "owner": people["officer"].pk},
        format="json",
    )
    # unique ignoring case, in the database too (issue 11): 409 duplicate naming the field
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate" and "title" in duplicate.json()["errors"]
    bad_roles = client.post(
        url(org_a, "policies/"),
        {
            "title": "X",
            "owner": people["officer"].pk,
            "audience": "roles",
            "audience_roles": ["auditor"],
        },
        format="json",
    )
    assert bad_roles.status_code == 400 and "audience_roles" in bad_roles.json()["errors"]


def test_auditor_cannot_create_and_contributor_cannot_change_others_policies(
    org_a, people, api_for, in_tenant
):
    response = api_for(people["auditor"]).post(
        url(org_a, "policies/"), {"title": "x"}, format="json"
    )
    assert response.status_code == 403 and "scope" in response.json()["detail"]
    with in_tenant(org_a):
        version = make_draft(org_a, officer=actor_for(people["officer"], org_a))
    response = api_for(people["reader"]).patch(
        url(org_a, f"policies/{version.policy_id}/"),
        {"review_interval_months": 3},
        format="json",
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_the_whole_workflow_through_the_api(org_a, people, api_for, in_tenant):
    officer, approver = api_for(people["officer"]), api_for(people["approver"])
    made = officer.post(
        url(org_a, "policies/from-template/"), {"template": "ai-acceptable-use"}, format="json"
    )
    assert made.status_code == 201, made.json()
    version = made.json()
    assert version["status"] == "draft" and version["number"] == 1
    assert version["allowed_actions"] == ["submit"]
    assert (
        version["content_sha256"] == hashlib.sha256(version["body_markdown"].encode()).hexdigest()
    )
    vurl = url(org_a, f"policy-versions/{version['id']}/")

    # segregation: the author cannot be the approver
    refused = officer.post(vurl + "submit/", {"approver": people["officer"].pk}, format="json")
    assert refused.status_code == 400 and "segregation" in refused.json()["errors"]["approver"][0]
    # approving a draft is a forbidden transition
    # (the approver is not named yet: the policy refuses before the state is looked at)
    early = approver.post(vurl + "approve/")
    assert early.status_code == 403 and early.json()["code"] == "permission_denied"

    submitted = officer.post(
        vurl + "submit/",
        {"approver": people["approver"].pk, "reviewers": [people["reader"].pk]},
        format="json",
    )
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "in_review"
    assert submitted.json()["submitted_by"] == people["officer"].pk

    assert officer.post(vurl + "approve/").status_code == 403  # not granted
    reviewer_view = api_for(people["reader"]).get(vurl).json()
    assert reviewer_view["allowed_actions"] == ["return_to_draft"]
    approved = approver.post(vurl + "approve/")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_by"]) == (
        "approved",
        people["approver"].pk,
    )

    not_officer = api_for(people["reader"]).post(vurl + "publish/")
    assert not_officer.status_code == 403 and not_officer.json()["code"] == "missing_scope"
    published = officer.post(vurl + "publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["published_at"]

    again = officer.post(vurl + "publish/")
    assert again.status_code == 409

    # immutable through the API
    edit = officer.patch(vurl, {"body_markdown": "rewritten"}, format="json")
    assert edit.status_code == 409 and "can no longer change" in edit.json()["detail"]
    assert officer.delete(vurl).status_code == 409
    with in_tenant(org_a):
        stored = PolicyVersion.objects.get(pk=version["id"])
    assert stored.body_markdown == version["body_markdown"]
    assert stored.status == VersionStatus.PUBLISHED


def test_return_to_draft_needs_a_note_and_a_grant(org_a, people, api_for, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(people["officer"], org_a)
        version = make_draft(org_a, officer=officer)
        services.version_submit(actor=officer, version=version, approver=people["approver"])
    vurl = url(org_a, f"policy-versions/{version.pk}/return-to-draft/")
    assert api_for(people["reader"]).post(vurl, {"note": "x"}, format="json").status_code == 403
    empty = api_for(people["approver"]).post(vurl, {}, format="json")
    assert empty.status_code == 400 and "note" in empty.json()["errors"]
    done = api_for(people["approver"]).post(vurl, {"note": "Section 5 is vague"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "draft" and done.json()["return_note"] == "Section 5 is vague"


def test_drafts_are_created_edited_and_deleted(org_a, people, api_for, in_tenant):
    with in_tenant(org_a):
        published = make_published(org_a, officer=actor_for(people["officer"], org_a))
    client = api_for(people["officer"])
    created = client.post(
        url(org_a, "policy-versions/"),
        {
            "policy": published.policy_id,
            "template": "incident-ai-section",
            "change_summary": "Add AI incidents",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"] == 2 and "AI incidents" in body["body_markdown"]
    assert body["body_markdown"].startswith(published.body_markdown.rstrip())
    second = client.post(
        url(org_a, "policy-versions/"), {"policy": published.policy_id}, format="json"
    )
    assert second.status_code == 409 and "still draft" in second.json()["detail"]
    vurl = url(org_a, f"policy-versions/{body['id']}/")
    changed = client.patch(vurl, {"body_markdown": "# New\n<script>x</script>"}, format="json")
    assert changed.status_code == 200
    assert "<script" not in changed.json()["body_html"]
    assert client.delete(vurl).status_code == 204


def test_document_uploads_are_checked_by_content_and_size(org_a, people, api_for, in_tenant):
    with in_tenant(org_a):
        published = make_published(org_a, officer=actor_for(people["officer"], org_a))
    client = api_for(people["officer"])
    endpoint = url(org_a, "policy-versions/")
    cases = [
        (upload("policy.pdf", b"just text pretending"), "content is not a PDF file"),
        (upload("policy.docx", PDF_BYTES), "content is a PDF"),
        (upload("policy.exe", PDF_BYTES), "Only these file types are accepted: PDF, DOCX"),
        (upload("policy.pdf", b"%PDF-" + b"0" * DEFAULT_MAX_BYTES), "limit"),
    ]
    for document, message in cases:
        response = client.post(
            endpoint, {"policy": published.policy_id, "document": document}, format="multipart"
        )
        assert response.status_code == 400, response.content[:200]
        assert message in response.json()["errors"]["document"][0]
    ok = client.post(
        endpoint,
        {"policy": published.policy_id, "document": upload("Policy v2.docx", docx_bytes())},
        format="multipart",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["document_type"] == "docx" and ok.json()["has_document"]
    assert ok.json()["content_sha256"] == hashlib.sha256(docx_bytes()).hexdigest()
    assert ok.json()["body_markdown"] == ""
    replaced = client.patch(
        url(org_a, f"policy-versions/{ok.json()['id']}/"),
        {"document": upload("p.pdf", PDF_BYTES)},
        format="multipart",
    )
    assert replaced.status_code == 200
    assert replaced.json()["content_sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()


def test_acknowledgements_through_the_api(org_a, people, api_for, in_tenant):
    with in_tenant(org_a):
        version = make_published(
            org_a,
            officer=actor_for(people["officer"], org_a),
            approver=actor_for(people["approver"], org_a),
        )
    reader = api_for(people["reader"])
    vurl = url(org_a, f"policy-versions/{version.pk}/")
    first = reader.post(vurl + "acknowledge/", REMOTE_ADDR="198.51.100.7")
    assert first.status_code == 200
    assert first.json()["user"]["id"] == people["reader"].pk
    assert first.json()["ip_address"] == "198.51.100.7"
    assert reader.post(vurl + "acknowledge/").json()["id"] == first.json()["id"]
    assert api_for(people["auditor"]).post(vurl + "acknowledge/").status_code == 403

    status = api_for(people["officer"]).get(vurl + "acknowledgement-status/")
    assert status.status_code == 200
    body = status.json()
    # officer, approver, reader (+ the policy owner is the officer): 3 staff members
    assert (body["audience_count"], body["acknowledged_count"], body["rate"]) == (3, 1, 33)
    assert {u["id"] for u in body["not_acknowledged"]} == {
        people["officer"].pk,
        people["approver"].pk,
    }
    assert api_for(people["auditor"]).get(vurl + "acknowledgement-status/").status_code == 200
    refused = reader.get(vurl + "acknowledgement-status/")
    assert refused.status_code == 403

    # contributors see their own acknowledgements only; officers see all
    assert (
        api_for(people["reader"]).get(url(org_a, "policy-acknowledgements/")).json()["count"] == 1
    )
    assert (
        api_for(people["officer"])
        .get(url(org_a, "policy-acknowledgements/"), {"version": version.pk})
        .json()["count"]
        == 1
    )


def test_diff_between_two_versions(org_a, org_b, people, api_for, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(people["officer"], org_a)
        first = make_published(org_a, officer=officer, body="# P\nkeep\nold line\n")
        second = services.version_create_draft(
            actor=officer, policy=first.policy, body_markdown="# P\nkeep\nnew <b>line</b>\n"
        )
    with in_tenant(org_b):
        foreign = make_draft(org_b)
    client = api_for(people["auditor"])
    response = client.get(url(org_a, f"policy-versions/{second.pk}/diff/"), {"against": first.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["comparable"] and (body["added"], body["removed"]) == (1, 1)
    assert "-old line\n+new <b>line</b>" in body["unified"]
    assert body["side_by_side"][2] == {
        "change": "replace",
        "left_number": 3,
        "left": "old line",
        "right_number": 3,
        "right": "new <b>line</b>",
    }
    missing = client.get(url(org_a, f"policy-versions/{second.pk}/diff/"))
    assert missing.status_code == 400 and "against" in missing.json()["errors"]
    other_org = client.get(
        url(org_a, f"policy-versions/{second.pk}/diff/"), {"against": foreign.pk}
    )
    assert other_org.status_code == 400
    assert "in this organisation" in other_org.json()["errors"]["against"][0]


def test_templates_are_listed_and_readable(org_a, people, api_for):
    client = api_for(people["auditor"])
    listed = client.get(url(org_a, "policy-templates/"))
    assert listed.status_code == 200
    assert {t["key"] for t in listed.json()} == {
        "ai-acceptable-use",
        "classification-ai-section",
        "supplier-ai-section",
        "incident-ai-section",
        "information-security",
        "ai-policy",
        "ai-lifecycle",
        "ai-data-governance",
        "ai-impact-assessment",
    }
    one = client.get(url(org_a, "policy-templates/ai-acceptable-use/"))
    assert one.status_code == 200 and one.json()["kind"] == "ai_acceptable_use"
    assert client.get(url(org_a, "policy-templates/nope/")).status_code == 404


def test_other_organisations_objects_are_404_and_references_400(
    org_a, org_b, people, api_for, in_tenant
):
    with in_tenant(org_b):
        foreign = make_published(org_b)
    client = api_for(people["officer"])
    assert client.get(url(org_a, f"policies/{foreign.policy_id}/")).status_code == 404
    assert client.post(url(org_a, f"policy-versions/{foreign.pk}/acknowledge/")).status_code == 404
    response = client.post(
        url(org_a, "policy-versions/"), {"policy": foreign.policy_id}, format="json"
    )
    assert response.status_code == 400
    assert "No policy with id" in response.json()["errors"]["policy"][0]
    listed = client.get(url(org_a, "policy-versions/")).json()
    assert foreign.pk not in {row["id"] for row in listed["results"]}


def test_an_api_key_can_draft_but_not_approve_publish_or_acknowledge(
    org_a, people, api_for, api_key_for, in_tenant
):
    with in_tenant(org_a):
        version = make_draft(org_a, officer=actor_for(people["officer"], org_a))
        services.version_submit(
            actor=actor_for(people["officer"], org_a), version=version, approver=people["approver"]
        )
    client = api_for(api_token=api_key_for(org_a, access="read_write"))
    vurl = url(org_a, f"policy-versions/{version.pk}/")
    assert "API key" in client.post(vurl + "approve/").json()["detail"]
    assert client.post(vurl + "approve/").status_code == 403


def test_policy_list_api_query_count_does_not_grow(
    org_a, people, api_for, in_tenant, django_assert_max_num_queries
):
    from policies.models import Policy

    client = api_for(people["officer"])

    def add(n):
        with in_tenant(org_a):
            start = Policy.objects.count()
            Policy.objects.bulk_create(
                Policy(organization_id=org_a.pk, title=f"Bulk {start + i}", owner=people["officer"])
                for i in range(n)
            )

    add(10)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url(org_a, "policies/")).status_code == 200
    add(190)
    with django_assert_max_num_queries(12) as large:
        assert client.get(url(org_a, "policies/"), {"page_size": 200}).json()["count"] == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_version_list_api_query_count_does_not_grow(
    org_a, people, api_for, in_tenant, django_assert_max_num_queries
):
    officer = actor_for(people["officer"], org_a)

    def add(n):
        with in_tenant(org_a):
            for _ in range(n):
                version = make_draft(org_a, officer=officer)
                services.version_submit(actor=officer, version=version, approver=people["approver"])

    client = api_for(people["approver"])
    add(3)
    with django_assert_max_num_queries(14) as small:
        rows = client.get(url(org_a, "policy-versions/")).json()["results"]
    assert {tuple(r["allowed_actions"]) for r in rows} == {("return_to_draft", "approve")}
    add(12)
    with django_assert_max_num_queries(14) as large:
        assert client.get(url(org_a, "policy-versions/")).json()["count"] == 15
    assert len(small.captured_queries) == len(large.captured_queries)
