"""Writes of the review schedules and AI-system reviews.

- Schedules are created for what exists by `schedules_ensure()` (a service: on demand, on
  demo load, and by the daily sweep), never on GET; one per subject (a unique key), so
  running it twice or concurrently creates nothing twice.
- An AI-system review is a draft checklist until its sign-off, an `isms.workflow`
  transition made by the asset's owner or the schedule's reviewer: it applies the outcome
  (change: an AI change request pre-filled through the risks service; suspend / retire:
  the asset register's lifecycle services), stamps the asset reviewed and advances the
  schedule, all in one transaction.
"""

from __future__ import annotations

import calendar
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.members import validate_member
from isms.tenancy import current_organization_id
from isms.workflow import Transition, Workflow, transition
from isms.writes import model_update, unique_or_conflict
from monitoring.reviews import checklist
from monitoring.reviews.models import (
    AIReview,
    Outcome,
    ReviewSchedule,
    ReviewSettings,
    SubjectType,
)

REVIEW = Workflow(
    AIReview,
    transitions=[
        Transition(
            "sign_off",
            {AIReview.Status.DRAFT},
            AIReview.Status.SIGNED_OFF,
            "signed off",
            stamp=("signed_off_by", "signed_off_at"),
        ),
        Transition("discard", {AIReview.Status.DRAFT}, AIReview.Status.DISCARDED, "discarded"),
    ],
    label="AI-system review",
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- settings -------------------------------------------------------------------------------

SETTINGS_FIELDS = [
    f.name for f in ReviewSettings._meta.concrete_fields if f.name.endswith("_months")
]


def settings_get() -> ReviewSettings:
    """The organisation's intervals (unsaved defaults if it has none: reads never write)."""
    return ReviewSettings.objects.filter().first() or ReviewSettings()


def settings_ensure() -> ReviewSettings:
    found = ReviewSettings.objects.filter().first()
    if found is None:
        ReviewSettings.objects.bulk_create(
            [ReviewSettings(organization_id=current_organization_id())], ignore_conflicts=True
        )
        found = ReviewSettings.objects.get()
    return found


@transaction.atomic
def settings_update(*, actor: Actor, **values) -> ReviewSettings:
    row = settings_ensure()
    policy.require(actor, "change", row)
    model_update(row, data=values, fields=SETTINGS_FIELDS)
    return row


# --- intervals by subject -------------------------------------------------------------------


def ai_interval(config: ReviewSettings, risk_tier: str) -> int:
    return {
        "high": config.ai_high_months,
        "prohibited": config.ai_high_months,
        "limited": config.ai_limited_months,
        "minimal": config.ai_minimal_months,
    }.get(risk_tier, config.ai_unassessed_months)


def supplier_interval(config: ReviewSettings, criticality: str) -> int:
    return {
        "critical": config.supplier_critical_months,
        "high": config.supplier_high_months,
        "medium": config.supplier_medium_months,
    }.get(criticality, config.supplier_low_months)


def risk_interval(config: ReviewSettings, score: int | None, criteria) -> int:
    if score is None:
        return config.risk_medium_months
    if score >= criteria.critical_from:
        return config.risk_critical_months
    if score >= criteria.high_from:
        return config.risk_high_months
    if score >= criteria.medium_from:
        return config.risk_medium_months
    return config.risk_low_months


def _first_due(last: date | None, created: date, months: int, explicit: date | None = None) -> date:
    if explicit is not None:
        return explicit
    return add_months(last or created, months)


def _day(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") else value


@transaction.atomic
def schedules_ensure() -> int:
    """Create the missing schedules for the organisation in context: AI systems in the
    register (not retired), suppliers (not terminated), policies, open risks, each
    Statement of Applicability. Returns how many were created. Set-based."""
    from assets.models import AI_TYPES, Asset, Lifecycle, Triage
    from policies.models import Policy
    from risks.models import Risk, RiskCriteria, RiskStatus, StatementOfApplicability
    from suppliers.models import Supplier

    config = settings_ensure()
    criteria = RiskCriteria.objects.filter().first() or RiskCriteria()

    def missing(model, subject_type):
        scheduled = ReviewSchedule.objects.filter(
            subject_type=subject_type, object_id=OuterRef("pk")
        )
        return model.objects.exclude(Exists(scheduled))

    rows: list[ReviewSchedule] = []
    assets = (
        missing(Asset, SubjectType.AI_SYSTEM)
        .filter(asset_type__in=list(AI_TYPES), triage_status__in=[Triage.NONE, Triage.ACCEPTED])
        .exclude(lifecycle=Lifecycle.RETIRED)
    )
    for a in assets.only("pk", "name", "risk_tier", "owner_id", "last_reviewed_at", "created"):
        months = ai_interval(config, a.risk_tier)
        rows.append(
            ReviewSchedule(
                subject_type=SubjectType.AI_SYSTEM,
                object_id=a.pk,
                title=a.name,
                interval_months=months,
                reviewer_id=a.owner_id,
                last_reviewed_on=_day(a.last_reviewed_at),
                next_due=_first_due(_day(a.last_reviewed_at), _day(a.created), months),
            )
        )
    suppliers = missing(Supplier, SubjectType.SUPPLIER).exclude(status=Supplier.Status.TERMINATED)
    for s in suppliers.only(
        "pk",
        "name",
        "criticality",
        "owner_id",
        "last_assessed_on",
        "next_reassessment_date",
        "created",
    ):
        months = supplier_interval(config, s.criticality)
        rows.append(
            ReviewSchedule(
                subject_type=SubjectType.SUPPLIER,
                object_id=s.pk,
                title=s.name,
                interval_months=months,
                reviewer_id=s.owner_id,
                last_reviewed_on=s.last_assessed_on,
                next_due=_first_due(
                    s.last_assessed_on, _day(s.created), months, s.next_reassessment_date
                ),
            )
        )
    for p in missing(Policy, SubjectType.POLICY).only(
        "pk", "title", "owner_id", "next_review_date", "created"
    ):
        months = config.policy_months
        rows.append(
            ReviewSchedule(
                subject_type=SubjectType.POLICY,
                object_id=p.pk,
                title=p.title,
                interval_months=months,
                reviewer_id=p.owner_id,
                next_due=_first_due(None, _day(p.created), months, p.next_review_date),
            )
        )
    risks = missing(Risk, SubjectType.RISK).exclude(status=RiskStatus.CLOSED)
    for r in risks.only(
        "pk", "title", "owner_id", "next_review_date", "created", "inherent_score", "residual_score"
    ):
        score = r.residual_score if r.residual_score is not None else r.inherent_score
        months = risk_interval(config, score, criteria)
        rows.append(
            ReviewSchedule(
                subject_type=SubjectType.RISK,
                object_id=r.pk,
                title=r.title,
                interval_months=months,
                reviewer_id=r.owner_id,
                next_due=_first_due(None, _day(r.created), months, r.next_review_date),
            )
        )
    for soa in missing(StatementOfApplicability, SubjectType.SOA).select_related("framework"):
        months = config.soa_months
        last = _day(soa.last_approved_at)
        rows.append(
            ReviewSchedule(
                subject_type=SubjectType.SOA,
                object_id=soa.pk,
                title=f"Statement of Applicability ({soa.framework})",
                interval_months=months,
                last_reviewed_on=last,
                next_due=_first_due(last, _day(soa.created), months),
            )
        )
    organization_id = current_organization_id()
    for row in rows:
        row.organization_id = organization_id
    created = ReviewSchedule.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


@transaction.atomic
def schedule_update(
    *, actor: Actor, schedule: ReviewSchedule, interval_months: int, next_due: date, reviewer
) -> ReviewSchedule:
    policy.require(actor, "change", schedule)
    if reviewer is not None:
        reviewer = validate_member(reviewer, "reviewer")
    model_update(
        schedule,
        data={"interval_months": interval_months, "next_due": next_due, "reviewer": reviewer},
        fields=["interval_months", "next_due", "reviewer"],
    )
    return schedule


@transaction.atomic
def schedule_mark_reviewed(*, actor: Actor, schedule: ReviewSchedule, today: date | None = None):
    """A review of a subject with no checklist (supplier, policy, risk, SoA): advance it."""
    if schedule.is_ai:
        raise Conflict("An AI system is reviewed with its checklist: start a review.")
    policy.require(actor, "review", schedule)
    today = today or timezone.localdate()
    model_update(
        schedule,
        data={
            "last_reviewed_on": today,
            "next_due": add_months(today, schedule.interval_months),
        },
        fields=["last_reviewed_on", "next_due"],
    )
    return schedule


# --- AI-system reviews ------------------------------------------------------------------------


def _asset_of(schedule: ReviewSchedule):
    from assets.models import Asset

    asset = Asset.objects.filter(pk=schedule.object_id).first()
    if asset is None:
        raise Conflict("The AI system of this schedule is no longer in the register.")
    return asset


@transaction.atomic
def review_start(*, actor: Actor, schedule: ReviewSchedule) -> AIReview:
    """Open the checklist for a due AI system, prefilled from the registers (or return the
    review already in progress)."""
    if not schedule.is_ai:
        raise Conflict("Only AI systems are reviewed with the checklist.")
    policy.require(actor, "review", schedule)
    existing = AIReview.objects.filter(schedule=schedule, status=AIReview.Status.DRAFT).first()
    if existing is not None:
        return existing
    asset = _asset_of(schedule)
    previous = (
        AIReview.objects.filter(schedule=schedule, status=AIReview.Status.SIGNED_OFF)
        .order_by("-signed_off_at")
        .first()
    )
    answers = checklist.prefill(
        asset,
        previous.snapshot if previous else None,
        _day(previous.signed_off_at) if previous else schedule.last_reviewed_on,
    )
    with unique_or_conflict(
        {"aireview_one_open_per_schedule": (None, "A review of this system is already open.")}
    ):
        return AIReview.objects.create(
            schedule=schedule, asset=asset, answers=answers, started_by=actor.user
        )


def _clean_answers(review: AIReview, answers: dict) -> dict:
    merged = {k: dict(v) for k, v in (review.answers or {}).items()}
    errors: dict[str, str] = {}
    for key, value in (answers or {}).items():
        if key not in checklist.ITEM_KEYS:
            errors[key] = "Not an item of the checklist."
            continue
        answer = (value or {}).get("answer", "")
        if answer not in ("", *checklist.ANSWERS):
            errors[key] = "Answer yes, no or na."
            continue
        item = merged.setdefault(key, {"computed": "", "source": ""})
        item["answer"] = answer
        item["note"] = str((value or {}).get("note", ""))[:2000]
    if errors:
        raise ValidationError({"answers": [f"{k}: {m}" for k, m in errors.items()]})
    return merged


@transaction.atomic
def review_update(
    *,
    actor: Actor,
    review: AIReview,
    answers: dict | None = None,
    outcome: str | None = None,
    outcome_note: str | None = None,
) -> AIReview:
    policy.require(actor, "change", review)
    if review.status != AIReview.Status.DRAFT:
        raise Conflict("This review is signed off; it cannot change.", code="immutable")
    data: dict = {}
    if answers is not None:
        data["answers"] = _clean_answers(review, answers)
    if outcome is not None:
        if outcome not in ("", *Outcome.values):
            raise ValidationError({"outcome": "Choose continue, change, suspend or retire."})
        data["outcome"] = outcome
    if outcome_note is not None:
        data["outcome_note"] = outcome_note
    model_update(review, data=data, fields=["answers", "outcome", "outcome_note"], clean=False)
    return review


def _check_complete(review: AIReview) -> None:
    errors: dict[str, list[str]] = {}
    unanswered = [k for k in checklist.ITEM_KEYS if not review.answers.get(k, {}).get("answer")]
    if unanswered:
        labels = {i.key: i.question for i in checklist.ITEMS}
        errors["answers"] = [f"Answer: {labels[k]}" for k in unanswered]
    no_note = [
        k
        for k in checklist.ITEM_KEYS
        if review.answers.get(k, {}).get("answer") == checklist.NO
        and not review.answers.get(k, {}).get("note", "").strip()
    ]
    if no_note:
        errors.setdefault("answers", []).append(
            f"Say why in a note for every “no” ({len(no_note)} without one)."
        )
    if not review.outcome:
        errors["outcome"] = ["Choose the outcome: continue, change, suspend or retire."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def review_sign_off(
    *, actor: Actor, review: AIReview, approver=None, today: date | None = None
) -> AIReview:
    """Sign the review off: apply its outcome, stamp the asset reviewed, advance the
    schedule. `approver` names who approves the AI change request a "change" opens."""
    from assets import services as assets
    from assets.models import Lifecycle
    from risks.services import change as changes

    today = today or timezone.localdate()
    _check_complete(review)
    if review.outcome == Outcome.CHANGE and approver in (None, ""):
        raise ValidationError({"approver": "Name who approves the AI change request."})
    asset = review.asset

    def apply(fresh: AIReview, schedule: ReviewSchedule, locked_asset) -> list[str]:
        changed = ["snapshot"]
        fresh.snapshot = checklist.snapshot_of(locked_asset)
        if fresh.outcome == Outcome.CHANGE:
            no_items = [
                i.question
                for i in checklist.ITEMS
                if fresh.answers.get(i.key, {}).get("answer") == checklist.NO
            ]
            request = changes.change_request_create(
                actor=actor,
                asset=locked_asset,
                title=f"Change to {locked_asset.name} (from its review of {today:%d %b %Y})",
                description=fresh.outcome_note,
                justification=(
                    "The periodic AI-system review concluded that it must change."
                    + (" Findings: " + "; ".join(no_items) if no_items else "")
                ),
                data_going_in=", ".join(locked_asset.data_category_labels)
                or "As recorded in the asset register.",
                data_categories=list(locked_asset.data_categories),
                affected_people=", ".join(locked_asset.affected_groups) or "As recorded.",
                approver=approver,
                supplier=locked_asset.supplier,
            )
            fresh.change_request = request
            changed.append("change_request")
        elif fresh.outcome == Outcome.RETIRE:
            assets.asset_retire(actor=actor, asset=locked_asset)
        elif fresh.outcome == Outcome.SUSPEND:
            step_down = {Lifecycle.PRODUCTION: Lifecycle.PILOT, Lifecycle.PILOT: Lifecycle.PROPOSED}
            if locked_asset.lifecycle in step_down:
                assets.asset_set_lifecycle(
                    actor=actor, asset=locked_asset, lifecycle=step_down[locked_asset.lifecycle]
                )
        assets.asset_mark_reviewed(actor=actor, asset=locked_asset)
        schedule.last_reviewed_on = today
        schedule.next_due = add_months(today, schedule.interval_months)
        schedule.active = fresh.outcome != Outcome.RETIRE
        schedule.save(update_fields=["last_reviewed_on", "next_due", "active", "updated"])
        fresh.schedule = schedule  # the policy check cached the schedule as it was before
        fresh.asset = locked_asset
        return changed

    return transition(
        REVIEW, review, "sign_off", actor=actor, lock_also=[review.schedule, asset], apply=apply
    )


@transaction.atomic
def review_discard(*, actor: Actor, review: AIReview, reason: str = "") -> AIReview:
    return transition(REVIEW, review, "discard", actor=actor, reason=reason)
