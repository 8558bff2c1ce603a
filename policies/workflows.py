"""The policy version workflow: the one table of allowed transitions (isms.workflow).

    draft → in review → approved → published → superseded | retired
             ↘ draft (returned)   ↘ retired

The services (policies.services) make every transition through `isms.workflow.transition()`;
pages and the API show the buttons `allowed_actions()` returns.
"""

from __future__ import annotations

from isms import policy as authz
from isms.access import Actor
from isms.workflow import Transition, Workflow
from policies.models import PolicyVersion, VersionStatus

S = VersionStatus

# The version workflow: nothing else moves a version's status.
WORKFLOW = Workflow(
    PolicyVersion,
    label="policies: policy version",
    transitions=[
        Transition(
            "submit",
            {S.DRAFT},
            S.IN_REVIEW,
            "submitted for review",
            stamp=("submitted_by", "submitted_at"),
        ),
        Transition(
            "return_to_draft",
            {S.IN_REVIEW},
            S.DRAFT,
            "returned to draft",
            stamp=("returned_by", "returned_at"),
        ),
        Transition(
            "approve", {S.IN_REVIEW}, S.APPROVED, "approved", stamp=("approved_by", "approved_at")
        ),
        Transition(
            "publish",
            {S.APPROVED},
            S.PUBLISHED,
            "published",
            stamp=("published_by", "published_at"),
        ),
        # Only as part of publishing its successor (the same policy action: publish).
        Transition(
            "supersede",
            {S.PUBLISHED},
            S.SUPERSEDED,
            "superseded",
            action="publish",
            stamp=("superseded_by", "superseded_at"),
        ),
        Transition(
            "retire",
            {S.APPROVED, S.PUBLISHED},
            S.RETIRED,
            "retired",
            stamp=("retired_by", "retired_at"),
        ),
    ],
)
TRANSITIONS = WORKFLOW.by_name
# The transitions a person starts with a button (supersede happens inside publish).
BUTTONS = ("submit", "return_to_draft", "approve", "publish", "retire")


def allowed_actions(actor: Actor, version: PolicyVersion) -> list[str]:
    """The transitions this actor can make on this version now (for buttons)."""
    return [
        name
        for name in BUTTONS
        if WORKFLOW.refusal(version, name) is None
        and authz.can(actor, TRANSITIONS[name].policy_action, version)
    ]
