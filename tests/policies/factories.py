"""Makers for the policies app's tenant models, and helpers to walk the workflow."""

from __future__ import annotations

import itertools

from isms.access import Actor
from isms.models import Membership, Role
from policies import services
from policies.models import (
    Acknowledgement,
    Policy,
    PolicyControl,
    PolicyKind,
    PolicyUserObjectPermission,
    PolicyVersion,
    PolicyVersionUserObjectPermission,
)
from tests.factories import MembershipFactory, object_factory

_counter = itertools.count(1)


def actor_for(user, organization) -> Actor:
    """The Actor a request by this member would have."""
    membership = Membership.objects.select_related("organization", "user").get(
        organization=organization, user=user
    )
    return Actor.for_membership(membership)


def new_actor(organization, role: str = Role.OFFICER) -> Actor:
    user = MembershipFactory(organization=organization, role=role).user
    return actor_for(user, organization)


def make_policy_with(organization, *, officer: Actor | None = None, **fields) -> Policy:
    officer = officer or new_actor(organization)
    fields.setdefault("title", f"Policy {next(_counter)}")
    fields.setdefault("owner", officer.user)
    return services.policy_create(actor=officer, **fields)


def make_draft(organization, *, officer=None, body="# Policy\n\nSome text.\n", **fields):
    officer = officer or new_actor(organization)
    policy = make_policy_with(organization, officer=officer, **fields)
    return services.version_create_draft(actor=officer, policy=policy, body_markdown=body)


def make_published(
    organization, *, officer=None, approver=None, policy=None, body="# Policy\n\nText.\n", **fields
):
    """A version walked through the whole workflow: draft → review → approved → published."""
    officer = officer or new_actor(organization)
    approver = approver or new_actor(organization, Role.OFFICER)
    if policy is None:
        policy = make_policy_with(organization, officer=officer, **fields)
    version = services.version_create_draft(actor=officer, policy=policy, body_markdown=body)
    services.version_submit(actor=officer, version=version, approver=approver.user)
    services.version_approve(actor=approver, version=version)
    return services.version_publish(actor=officer, version=version)


@object_factory(Policy)
def make_policy(organization):
    return make_policy_with(organization, kind=PolicyKind.OTHER)


@object_factory(PolicyVersion)
def make_policy_version(organization):
    return make_draft(organization)


@object_factory(Acknowledgement)
def make_acknowledgement(organization):
    version = make_published(organization)
    reader = new_actor(organization, Role.CONTRIBUTOR)
    return services.acknowledge(actor=reader, version=version, ip_address="192.0.2.10")


@object_factory(PolicyUserObjectPermission)
def make_policy_owner_grant(organization):
    """The owner's grant, given by the service that creates the policy."""
    policy = make_policy_with(organization, kind=PolicyKind.OTHER)
    return PolicyUserObjectPermission.objects.get(content_object=policy, user=policy.owner)


@object_factory(PolicyVersionUserObjectPermission)
def make_version_grant(organization):
    """The approver's grant, given when the version is submitted."""
    officer = new_actor(organization)
    approver = new_actor(organization, Role.OFFICER)
    version = make_draft(organization, officer=officer)
    services.version_submit(actor=officer, version=version, approver=approver.user)
    return PolicyVersionUserObjectPermission.objects.get(content_object=version, user=approver.user)


@object_factory(PolicyControl)
def make_policy_control(organization):
    from tests.risks.factories import library_control

    policy = make_policy_with(organization, kind=PolicyKind.INFORMATION_SECURITY)
    return PolicyControl.objects.create(policy=policy, control=library_control("T.5"))
