"""Demo data: an AI acceptable use policy with two published versions (v1 superseded, v2 in
force, partly acknowledged) and a classification policy in review. Idempotent: a policy that
already exists (by title) is left as it is."""

from __future__ import annotations

from isms.access import Actor
from isms.models import Membership
from policies import services
from policies.models import Policy
from policies.starters import CLASSIFICATION_AI, TEMPLATES

AI_TITLE = "AI acceptable use policy"
CLASSIFICATION_TITLE = "Information classification and handling policy"


def _actor(demo, role: str) -> Actor:
    membership = Membership.objects.select_related("organization", "user").get(
        organization=demo.organization, user=demo.user(role)
    )
    return Actor.for_membership(membership)


def load(demo) -> None:
    officer, admin, owner = (_actor(demo, r) for r in ("officer", "admin", "contributor"))
    if not Policy.objects.filter(title=AI_TITLE).exists():
        v1 = services.policy_create_from_template(
            actor=officer, template_key="ai-acceptable-use", title=AI_TITLE
        )
        services.version_update_draft(
            actor=officer,
            version=v1,
            body_markdown=TEMPLATES["ai-acceptable-use"].body.replace(
                "## 7. Being open about AI", "## 7. Being open about AI (draft wording)"
            ),
            change_summary="First issue.",
        )
        services.version_submit(actor=officer, version=v1, approver=admin.user)
        services.version_approve(actor=admin, version=v1)
        services.version_publish(actor=officer, version=v1)
        services.acknowledge(actor=officer, version=v1, ip_address="192.0.2.10")
        services.acknowledge(actor=owner, version=v1, ip_address="192.0.2.11")

        v2 = services.version_create_draft(
            actor=officer,
            policy=v1.policy,
            body_markdown=TEMPLATES["ai-acceptable-use"].body,
            change_summary="Clearer wording on labelling AI-generated content.",
        )
        services.version_submit(
            actor=officer, version=v2, approver=admin.user, reviewers=[owner.user]
        )
        services.version_approve(actor=admin, version=v2)
        services.version_publish(actor=officer, version=v2)
        services.acknowledge(actor=owner, version=v2, ip_address="192.0.2.11")

    if not Policy.objects.filter(title=CLASSIFICATION_TITLE).exists():
        policy = services.policy_create(
            actor=officer,
            title=CLASSIFICATION_TITLE,
            owner=officer.user,
            kind="classification",
            covers_ai=True,
            ai_sections=["data_input"],
        )
        body = (
            "# Information classification and handling\n\n"
            "## Levels\n- Public\n- Internal\n- Confidential\n- Restricted\n\n"
            + CLASSIFICATION_AI.split("\n", 1)[1]
        )
        draft = services.version_create_draft(
            actor=officer, policy=policy, body_markdown=body, change_summary="Adds an AI section."
        )
        services.version_submit(
            actor=officer, version=draft, approver=admin.user, reviewers=[owner.user]
        )

    # The rest of the starter policies: the two top-level policies published, the AI
    # procedures as drafts to adapt. Each arrives linked to the controls it implements.
    for key, publish in [
        ("information-security", True),
        ("ai-policy", True),
        ("ai-lifecycle", False),
        ("ai-data-governance", False),
        ("ai-impact-assessment", False),
    ]:
        template = TEMPLATES[key]
        if Policy.objects.filter(title=template.title).exists():
            continue
        version = services.policy_create_from_template(actor=officer, template_key=key)
        if publish:
            services.version_submit(actor=officer, version=version, approver=admin.user)
            services.version_approve(actor=admin, version=version)
            services.version_publish(actor=officer, version=version)
