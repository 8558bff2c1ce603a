"""Incident services: the only writers of incidents, their clocks, timeline and evidence."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset, Lifecycle
from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.members import validate_member
from isms.models import WebhookEventType
from isms.tenancy import current_organization_id, tenant_context
from isms.webhooks.events import emit, object_data
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update
from monitoring.incidents import hooks
from monitoring.incidents.clocks import SeriousIncident, reporting_clocks
from monitoring.incidents.models import (
    Category,
    ConcernChannel,
    ConcernTokenIndex,
    Incident,
    IncidentAsset,
    IncidentEvidence,
    IncidentSettings,
    IncidentSupplier,
    ReportingClock,
    Severity,
    Source,
    Status,
    TimelineEntry,
)
from monitoring.incidents.uploads import check
from suppliers.models import Supplier

INCIDENT = Workflow(
    Incident,
    label="incident",
    transitions=[
        Transition(
            "triage",
            {Status.REPORTED},
            Status.INVESTIGATING,
            "triaged",
            stamp=("triaged_by", "triaged_at"),
        ),
        Transition(
            "dismiss",
            {Status.REPORTED},
            Status.DISMISSED,
            "dismissed",
            action="triage",
            stamp=("triaged_by", "triaged_at"),
        ),
        Transition("contain", {Status.INVESTIGATING}, Status.CONTAINED, "contained"),
        Transition(
            "close",
            {Status.INVESTIGATING, Status.CONTAINED},
            Status.CLOSED,
            "closed",
            stamp=("closed_by", "closed_at"),
        ),
    ],
)

# Fields a reporter or handler may set (services and forms share this list).
EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "severity",
    "aware_at",
    "occurred_at",
    "data_categories",
    "personal_data_breach",
    "serious_incident",
    "nis2_significant",
    "containment",
    "reporter_contact",
)
CLOCK_FIELDS = {"aware_at", "personal_data_breach", "serious_incident", "nis2_significant"}


# --- settings -----------------------------------------------------------------------------


def incident_settings() -> IncidentSettings:
    """The organisation's settings, or the defaults (unsaved) where none were saved."""
    return IncidentSettings.objects.first() or IncidentSettings(
        organization_id=current_organization_id()
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"time_zone": f"{name!r} is not a known time zone."}) from None


@transaction.atomic
def settings_update(*, actor: Actor, **fields) -> IncidentSettings:
    current, _ = IncidentSettings.objects.get_or_create(organization_id=current_organization_id())
    policy.require(actor, "change", current)
    if "time_zone" in fields:
        _zone(fields["time_zone"])
    model_update(
        current,
        data=fields,
        fields=["time_zone", "nis2_in_scope", "eu_ai_act_deployer"],
    )
    for incident in Incident.objects.exclude(status__in=[Status.CLOSED, Status.DISMISSED]):
        sync_clocks(incident, settings=current)
    return current


# --- helpers ----------------------------------------------------------------------------------


def _label(actor: Actor | None) -> str:
    return actor.label if actor is not None else "system"


def _timeline(incident: Incident, text: str, *, actor: Actor | None, kind: str, at=None):
    return TimelineEntry.objects.create(
        incident=incident,
        text=text,
        kind=kind,
        at=at or timezone.now(),
        author=getattr(actor, "user", None),
        author_label=_label(actor),
    )


def _clean_choices(values: dict) -> None:
    errors = {}
    for field, choices in (
        ("category", Category.values),
        ("severity", Severity.values),
        ("serious_incident", SeriousIncident.values),
    ):
        if field in values and values[field] not in choices:
            errors[field] = f"Choose one of: {', '.join(choices)}."
    for field in ("title", "description"):
        if field in values and not str(values[field] or "").strip():
            errors[field] = "This field is required."
    aware = values.get("aware_at")
    if aware is not None and aware > timezone.now() + timedelta(minutes=5):
        errors["aware_at"] = "The moment of awareness cannot be in the future."
    if errors:
        raise ValidationError(errors)


def _set_assets(incident: Incident, assets: Iterable) -> None:
    wanted = {getattr(a, "pk", a) for a in assets}
    found = {a.pk: a for a in Asset.objects.filter(pk__in=wanted)}
    if set(found) != wanted:
        raise ValidationError({"assets": "Choose assets of this organisation."})
    existing = set(incident.asset_links.values_list("asset_id", flat=True))
    incident.asset_links.filter(asset_id__in=existing - wanted).delete()
    for asset_id in wanted - existing:
        asset = found[asset_id]
        # The model version and stage at the time: the asset may change later.
        IncidentAsset.objects.create(
            incident=incident,
            asset=asset,
            model_version=asset.model_version,
            lifecycle_at_time=asset.lifecycle,
        )


def _set_suppliers(incident: Incident, suppliers: Iterable) -> None:
    wanted = {getattr(s, "pk", s) for s in suppliers}
    if Supplier.objects.filter(pk__in=wanted).count() != len(wanted):
        raise ValidationError({"suppliers": "Choose suppliers of this organisation."})
    existing = set(incident.supplier_links.values_list("supplier_id", flat=True))
    incident.supplier_links.filter(supplier_id__in=existing - wanted).delete()
    for supplier_id in wanted - existing:
        IncidentSupplier.objects.create(incident=incident, supplier_id=supplier_id)


def sync_clocks(incident: Incident, *, settings: IncidentSettings | None = None) -> None:
    """Make the incident's clocks match its facts. A clock already reported is kept as it
    is (what was sent, and when, is history); an unreported one is moved or removed."""
    settings = settings or incident_settings()
    nis2_sent = (
        incident.clocks.filter(regime="nis2_notification", reported_at__isnull=False)
        .values_list("reported_at", flat=True)
        .first()
    )
    rules = reporting_clocks(
        aware_at=incident.aware_at,
        tz=_zone(settings.time_zone),
        serious_incident=incident.serious_incident,
        personal_data_breach=incident.personal_data_breach,
        nis2_significant=incident.nis2_significant and settings.nis2_in_scope,
        nis2_notification_sent_at=nis2_sent,
    )
    by_regime = {c.regime: c for c in incident.clocks.all()}
    wanted = {r.regime for r in rules}
    for regime, clock in by_regime.items():
        if regime not in wanted and clock.reported_at is None and clock.initial_reported_at is None:
            clock.delete()
    for rule in rules:
        clock = by_regime.get(rule.regime)
        recipient = rule.recipient
        if rule.regime == "ai_act_art73" and settings.eu_ai_act_deployer:
            recipient = "The provider first (Art. 26(5)), then the market surveillance authority"
        if clock is None:
            ReportingClock.objects.create(
                incident=incident,
                regime=rule.regime,
                article=rule.article,
                due_at=rule.due_at,
                recipient=recipient,
                initial_report_allowed=rule.initial_report_allowed,
            )
        elif clock.reported_at is None:
            changed = {
                name: value
                for name, value in (
                    ("article", rule.article),
                    ("due_at", rule.due_at),
                    ("initial_report_allowed", rule.initial_report_allowed),
                )
                if getattr(clock, name) != value
            }
            for name, value in changed.items():
                setattr(clock, name, value)
            if changed:
                clock.save(update_fields=sorted(changed))


# --- intake -----------------------------------------------------------------------------------


@transaction.atomic
def incident_report(
    *,
    actor: Actor,
    title: str,
    description: str,
    category: str = Category.OTHER,
    severity: str = Severity.MEDIUM,
    aware_at: datetime | None = None,
    assets: Iterable = (),
    suppliers: Iterable = (),
    **fields,
) -> Incident:
    """Staff or an integration reports an incident; it enters triage with its clocks running."""
    if not actor.has_scope("monitoring:write"):
        policy.require(actor, "report", Incident(organization_id=current_organization_id()))
    values = {
        "title": title,
        "description": description,
        "category": category,
        "severity": severity,
        "aware_at": aware_at or timezone.now(),
        **fields,
    }
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"incident_report got fields it may not set: {sorted(unknown)}")
    _clean_choices(values)
    incident = Incident(
        source=Source.STAFF if actor.user is not None else Source.INTEGRATION,
        reported_by=actor.user,
        reporter_label=_label(actor),
        **values,
    )
    incident.full_clean(exclude=["owner", "organization"])
    incident.save()
    _set_assets(incident, assets)
    _set_suppliers(incident, suppliers)
    _timeline(incident, f"Reported by {_label(actor)}.", actor=actor, kind="status")
    sync_clocks(incident)
    incident_opened(incident)
    return incident


def incident_opened(incident: Incident) -> None:
    """The `incident.opened` webhook event, in the transaction that opened it."""
    emit(
        WebhookEventType.INCIDENT_OPENED,
        data=object_data(
            incident,
            "incident",
            severity=incident.severity,
            category=incident.category,
            source=incident.source,
        ),
    )


@transaction.atomic
def incident_update(
    *, actor: Actor, incident: Incident, assets=None, suppliers=None, **fields
) -> Incident:
    policy.require(actor, "change", incident)
    if incident.status == Status.CLOSED:
        raise Conflict("A closed incident is a record: it no longer changes.")
    _clean_choices(fields)
    changed = model_update(incident, data=fields, fields=EDITABLE_FIELDS)
    if assets is not None:
        _set_assets(incident, assets)
    if suppliers is not None:
        _set_suppliers(incident, suppliers)
    if CLOCK_FIELDS & set(changed):
        sync_clocks(incident)
        _timeline(
            incident,
            "Reporting facts changed: " + ", ".join(sorted(CLOCK_FIELDS & set(changed))) + ".",
            actor=actor,
            kind="note",
        )
    return incident


# --- workflow -----------------------------------------------------------------------------------


def incident_triage(
    *, actor: Actor, incident: Incident, owner, severity: str | None = None, note: str = ""
) -> Incident:
    """Accept a report as an incident and name who handles it."""
    with transaction.atomic():
        user = validate_member(owner, "owner")
        if severity is not None:
            _clean_choices({"severity": severity})
        previous_owner = incident.owner

        def apply(obj):
            obj.owner = user
            fields = ["owner"]
            if severity:
                obj.severity = severity
                fields.append("severity")
            return fields

        incident = transition(INCIDENT, incident, "triage", actor=actor, reason=note, apply=apply)
        policy.policy_for(Incident).grant_owner(incident, user, previous=previous_owner)
        _timeline(
            incident,
            f"Triaged: an incident, handled by {user.get_full_name() or user.email}."
            + (f" {note}" if note else ""),
            actor=actor,
            kind="status",
        )
    return incident


@transaction.atomic
def incident_dismiss(*, actor: Actor, incident: Incident, reason: str) -> Incident:
    if not reason.strip():
        raise ValidationError({"reason": "Say why this is not an incident."})
    incident = transition(INCIDENT, incident, "dismiss", actor=actor, reason=reason)
    _timeline(incident, f"Dismissed: {reason}", actor=actor, kind="status")
    return incident


@transaction.atomic
def incident_contain(*, actor: Actor, incident: Incident, containment: str) -> Incident:
    if not containment.strip():
        raise ValidationError({"containment": "Describe the containment."})

    def apply(obj):
        obj.containment = containment
        return ["containment"]

    incident = transition(INCIDENT, incident, "contain", actor=actor, apply=apply)
    _timeline(incident, f"Contained: {containment}", actor=actor, kind="status")
    return incident


@transaction.atomic
def incident_close(*, actor: Actor, incident: Incident, lessons_learned: str) -> Incident:
    """Close with the lessons learned (A.5.27); flag linked risks and bring reviews forward."""
    lessons = (lessons_learned or "").strip()
    if not lessons:
        raise ValidationError(
            {"lessons_learned": "Closing an incident needs its lessons learned (A.5.27)."}
        )

    def apply(obj):
        obj.lessons_learned = lessons
        return ["lessons_learned"]

    incident = transition(INCIDENT, incident, "close", actor=actor, apply=apply)
    asset_ids = list(incident.asset_links.values_list("asset_id", flat=True))
    flagged = hooks.flag_risks_for_reassessment(asset_ids=asset_ids, incident=incident)
    now = timezone.now()
    for link in incident.asset_links.select_related("asset"):
        hooks.bring_asset_review_forward(asset=link.asset, incident=incident)
        link.review_requested_at = now
        link.save(update_fields=["review_requested_at"])
    _timeline(
        incident,
        f"Closed. Lessons learned recorded; {flagged} linked risk(s) flagged for reassessment; "
        f"{len(asset_ids)} asset review(s) brought forward.",
        actor=actor,
        kind="status",
    )
    return incident


# Taking a system out of service: production → pilot (it returns to production only through
# an approved AI change request, assets' production gate); pilot → proposed.
SUSPEND_TO = {Lifecycle.PRODUCTION: Lifecycle.PILOT, Lifecycle.PILOT: Lifecycle.PROPOSED}


@transaction.atomic
def incident_suspend(*, actor: Actor, incident: Incident, reason: str) -> Incident:
    """The decision to suspend the affected systems: each moves through assets' lifecycle
    service (so its gate and permissions apply); returning one to production needs an
    approved AI change request."""
    policy.require(actor, "suspend", incident)
    if not incident.is_open:
        raise Conflict("Only an open incident can suspend systems.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the systems are suspended."})
    from assets.services import asset_set_lifecycle

    moved = []
    now = timezone.now()
    for link in incident.asset_links.select_related("asset"):
        target = SUSPEND_TO.get(link.asset.lifecycle)
        if target is None or link.suspended_at is not None:
            continue
        asset_set_lifecycle(actor=actor, asset=link.asset, lifecycle=target)
        link.suspended_at = now
        link.save(update_fields=["suspended_at"])
        moved.append(f"{link.asset.name} → {Lifecycle(target).label}")
    if not moved:
        raise Conflict("No affected system is in pilot or production: nothing to suspend.")
    incident.suspended = True
    incident.suspension_reason = reason
    incident.save(update_fields=["suspended", "suspension_reason", "updated"])
    _timeline(
        incident,
        f"Decision: suspend ({reason}). " + "; ".join(moved) + ".",
        actor=actor,
        kind="decision",
    )
    return incident


# --- timeline, evidence, reports ---------------------------------------------------------------


@transaction.atomic
def timeline_add(
    *, actor: Actor, incident: Incident, text: str, at: datetime | None = None
) -> TimelineEntry:
    policy.require(actor, "change", incident)
    if not text.strip():
        raise ValidationError({"text": "Write what happened."})
    return _timeline(incident, text.strip(), actor=actor, kind="note", at=at)


@transaction.atomic
def evidence_add(
    *, actor: Actor | None, incident: Incident, upload, description: str = "", label: str = ""
) -> IncidentEvidence:
    """Keep a file with the SHA-256 of its bytes (A.5.28)."""
    if actor is not None:
        policy.require(actor, "change", incident)
    checked = check(upload)
    evidence = IncidentEvidence.objects.create(
        incident=incident,
        file=upload,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=description[:300],
        uploaded_by_label=label or _label(actor),
    )
    _timeline(
        incident,
        f"Evidence kept: {checked.name} (SHA-256 {checked.sha256}).",
        actor=actor,
        kind="evidence",
    )
    return evidence


@transaction.atomic
def clock_record_report(
    *,
    actor: Actor,
    clock: ReportingClock,
    recipient: str,
    reported_at: datetime | None = None,
    reference: str = "",
    initial: bool = False,
) -> ReportingClock:
    """Record that a report went out: when, to whom, under which reference."""
    policy.require(actor, "change", clock)
    if not recipient.strip():
        raise ValidationError({"recipient": "Name who received the report."})
    when = reported_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"reported_at": "A report cannot be sent in the future."})
    if initial and not clock.initial_report_allowed:
        raise ValidationError({"initial": "This regime has no initial, incomplete report."})
    clock.recipient = recipient.strip()
    clock.reference = reference
    fields = ["recipient", "reference"]
    if initial:
        clock.initial_reported_at = when
        fields.append("initial_reported_at")
    else:
        clock.reported_at = when
        clock.reported_by = actor.user
        fields += ["reported_at", "reported_by"]
    clock.save(update_fields=fields)
    late = " (after the deadline)" if when > clock.due_at else ""
    what = "Initial report" if initial else "Report"
    _timeline(
        clock.incident,
        f"{what} under {clock.article} sent to {clock.recipient}{late}.",
        actor=actor,
        kind="report",
        at=when,
    )
    if clock.regime == "nis2_notification" and not initial:
        sync_clocks(clock.incident)  # the final report runs from the notification
    return clock


# --- the public concern channel ------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedChannel:
    channel: ConcernChannel
    token: str  # shown once, never stored


@transaction.atomic
def concern_channel_create(*, actor: Actor, label: str = "") -> IssuedChannel:
    policy.require(actor, "change", ConcernChannel(organization_id=current_organization_id()))
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    channel = ConcernChannel.objects.create(
        token_hash=digest,
        token_prefix=token[:6],
        label=label or "Public AI concern form",
        created_by=actor.user,
    )
    ConcernTokenIndex.objects.create(
        token_hash=digest, organization_id=channel.organization_id, channel_id=channel.pk
    )
    return IssuedChannel(channel=channel, token=token)


@transaction.atomic
def concern_channel_revoke(*, actor: Actor, channel: ConcernChannel) -> ConcernChannel:
    policy.require(actor, "change", channel)
    if channel.revoked_at is None:
        channel.revoked_at = timezone.now()
        channel.save(update_fields=["revoked_at"])
    ConcernTokenIndex.objects.filter(channel_id=channel.pk, token_hash=channel.token_hash).delete()
    return channel


class ConcernRefused(Exception):
    """The link does not open. Says nothing about why."""


@contextmanager
def concern_session(token: str) -> Iterator[ConcernChannel]:
    """The channel a token opens, inside its organisation's tenant context."""
    if not token or len(token) > 100:
        raise ConcernRefused
    digest = token_hash(token)
    entry = ConcernTokenIndex.objects.filter(token_hash=digest).first()
    if entry is None:
        raise ConcernRefused
    with tenant_context(entry.organization_id, actor=f"public concern form {token[:6]}…"):
        channel = ConcernChannel.objects.filter(pk=entry.channel_id).first()
        if (
            channel is None
            or not hmac.compare_digest(channel.token_hash, digest)
            or not channel.is_usable
        ):
            raise ConcernRefused
        yield channel


@transaction.atomic
def concern_report(
    *,
    channel: ConcernChannel,
    description: str,
    system_name: str = "",
    contact: str = "",
    upload=None,
) -> Incident:
    """A member of the public reports an AI concern; it enters triage like any report."""
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Describe what happened."})
    system_name = (system_name or "").strip()[:150]
    title = f"Public concern: {system_name}" if system_name else "Public concern about an AI system"
    label = f"public concern form ({channel.token_prefix}…)"
    incident = Incident(
        title=title[:200],
        description=description,
        category=Category.OTHER,
        severity=Severity.MEDIUM,
        aware_at=timezone.now(),
        source=Source.CONCERN,
        reporter_label=label,
        reporter_contact=(contact or "").strip()[:200],
    )
    incident.save()
    _timeline(incident, "Reported through the public concern form.", actor=None, kind="status")
    incident_opened(incident)
    if upload is not None:
        evidence_add(actor=None, incident=incident, upload=upload, label=label)
    now = timezone.now()
    if channel.last_used_at is None or now - channel.last_used_at > timedelta(minutes=1):
        ConcernChannel.objects.filter(pk=channel.pk).update(last_used_at=now)
    return incident
