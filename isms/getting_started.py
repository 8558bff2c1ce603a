"""The getting-started checklist of an organisation's home: the first records an ISMS needs
(scope, AI roles, first assets, members, frameworks), each ticked as soon as the record
exists, so the list reads the product's state and never asks anyone to tick it.

isms sits below the feature apps and cannot import them: each app registers its step in its
AppConfig.ready() with `register_step(Step(...))`. A step's `done(organization_id)` runs in
the organisation's tenant context and only reads. The list shows on the home page while a
step is open, to the people who set the organisation up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Step:
    key: str
    order: int  # position in the list (10, 20, …: room for steps registered later)
    title: str
    hint: str  # what to do, in a sentence
    url_name: str  # the page where it is done (takes the organisation's slug)
    done: Callable[[int], bool]
    url_query: str = ""


@dataclass(frozen=True)
class StepState:
    step: Step
    done: bool
    url: str


_steps: dict[str, Step] = {}


def register_step(step: Step) -> Step:
    """Register (or replace, by key) a step of the checklist."""
    _steps[step.key] = step
    return step


def steps() -> list[Step]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.key))


def checklist(organization) -> list[StepState]:
    """Every registered step with whether it is done, in order."""
    states = []
    for step in steps():
        url = reverse(step.url_name, args=[organization.slug])
        if step.url_query:
            url = f"{url}?{step.url_query}"
        states.append(StepState(step, bool(step.done(organization.pk)), url))
    return states


def may_set_up(actor) -> bool:
    """Those who set an organisation up: administrators and compliance officers."""
    return actor.has_scope("org:admin") or actor.has_scope("monitoring:manage")


def home_checklist(actor) -> list[StepState] | None:
    """The checklist for the home page, or None once every step is done (or for others)."""
    if not may_set_up(actor):
        return None
    states = checklist(actor.organization)
    if not states or all(s.done for s in states):
        return None
    return states


def _members_invited(organization_id: int) -> bool:
    from isms.models import Invitation, Membership

    return (
        Invitation.objects.filter(organization_id=organization_id).exists()
        or Membership.objects.active().filter(organization_id=organization_id).count() > 1
    )


def _ai_roles_recorded(organization_id: int) -> bool:
    from isms.models import OrganizationProfile

    return (
        OrganizationProfile.objects.filter(organization_id=organization_id)
        .exclude(ai_roles=[])
        .exists()
    )


register_step(
    Step(
        key="roles",
        order=20,
        title="Record your AI roles",
        hint="Say whether you provide, build or use AI systems (ISO/IEC 42001 4.1) and your "
        "legal type under the EU AI Act: obligations and impact assessments follow from them.",
        url_name="organization_profile",
        done=_ai_roles_recorded,
    )
)
register_step(
    Step(
        key="members",
        order=40,
        title="Invite your members",
        hint="Invite the people who own assets and risks, and your auditors.",
        url_name="member_list",
        done=_members_invited,
    )
)
