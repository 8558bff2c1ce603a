"""Writes for a control's evidence, monitoring plans and tests (manual and pushed).

Rules (ISO/IEC 27001:2022 9.1; independence of testing as in 5.35):
- the tester of a monitoring plan is never the control's owner (`tester_independent`);
- a manual result is recorded by the plan's tester only, and moves the plan's next due date;
- pushed results are batched, all or nothing, idempotent by their key;
- an ineffective or partially effective result notifies the control's owner.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from isms import policy
from isms.access import Actor
from isms.errors import ErrorCode, NotPermitted
from isms.members import validate_member
from isms.tenancy import current_organization_id
from monitoring.checks.models import (
    ControlEvidence,
    ControlTestResult,
    MonitoringPlan,
    TestResult,
    TestType,
)
from monitoring.checks.notifications import notify_owner

MAX_BATCH = 500


def _probe(model, **fields):
    return model(organization_id=current_organization_id(), **fields)


@transaction.atomic
def evidence_add(
    *,
    actor: Actor,
    soa_row,
    title: str,
    kind: str,
    url: str = "",
    upload=None,
    check_run=None,
    collected_on: date | None = None,
    valid_until: date | None = None,
    owner=None,
    source: str = "",
) -> ControlEvidence:
    policy.require(actor, "change", _probe(ControlEvidence, soa_row=soa_row))
    evidence = ControlEvidence(
        organization_id=current_organization_id(),  # the file's path names the organisation
        soa_row=soa_row,
        kind=kind,
        title=title,
        url=url,
        check_run=check_run,
        collected_on=collected_on or timezone.localdate(),
        valid_until=valid_until,
        owner=owner or actor.user,
        source=source or actor.described,
    )
    if kind == ControlEvidence.Kind.FILE:
        from isms.uploads import check_upload

        if upload is None:
            raise ValidationError({"file": "Choose a file."})
        checked = check_upload(upload)
        evidence.file_name = checked.name
        evidence.file.save(checked.as_file().name, checked.as_file(), save=False)
    elif kind == ControlEvidence.Kind.LINK and not url:
        raise ValidationError({"url": "Give the link."})
    elif kind == ControlEvidence.Kind.CHECK_RUN and check_run is None:
        raise ValidationError({"check_run": "Choose the check run."})
    if valid_until and valid_until < evidence.collected_on:
        raise ValidationError({"valid_until": "Evidence cannot expire before it was collected."})
    if owner is not None:
        validate_member(owner, "owner")
    evidence.save()
    return evidence


def tester_refusal(soa_row, tester) -> str | None:
    if tester is not None and soa_row.owner_id is not None and tester.pk == soa_row.owner_id:
        return "The tester cannot be the control's owner: a control is tested independently."
    return None


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    soa_row,
    measured: str,
    method: str,
    tester,
    test_type: str = TestType.OPERATING,
    interval_days: int = 90,
    next_due: date | None = None,
    analyst=None,
    analysis_when: str = "",
    target: str = "",
    tolerance: str = "",
) -> MonitoringPlan:
    policy.require(actor, "change", _probe(MonitoringPlan, soa_row=soa_row))
    validate_member(tester, "tester")
    refused = tester_refusal(soa_row, tester)
    if refused:
        raise ValidationError({"tester": refused})
    if analyst is not None:
        validate_member(analyst, "analyst")
    return MonitoringPlan.objects.create(
        soa_row=soa_row,
        measured=measured,
        method=method,
        tester=tester,
        test_type=test_type,
        interval_days=interval_days,
        next_due=next_due or timezone.localdate() + timedelta(days=interval_days),
        analyst=analyst,
        analysis_when=analysis_when,
        target=target,
        tolerance=tolerance,
    )


PLAN_FIELDS = (
    "measured",
    "method",
    "test_type",
    "interval_days",
    "next_due",
    "tester",
    "analyst",
    "analysis_when",
    "target",
    "tolerance",
)


@transaction.atomic
def plan_update(*, actor: Actor, plan: MonitoringPlan, **data) -> MonitoringPlan:
    """Change a monitoring-plan item; the tester stays independent of the control's owner."""
    from isms.workflow import lock
    from isms.writes import model_update

    (plan,) = lock(plan)
    policy.require(actor, "change", plan)
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a field of a monitoring plan." for name in unknown})
    if "tester" in data:
        validate_member(data["tester"], "tester")
        refused = tester_refusal(plan.soa_row, data["tester"])
        if refused:
            raise ValidationError({"tester": refused})
    if data.get("analyst") is not None:
        validate_member(data["analyst"], "analyst")
    model_update(plan, data=data, fields=tuple(data))
    return plan


@transaction.atomic
def manual_test_record(
    *,
    actor: Actor,
    plan: MonitoringPlan,
    result: str,
    sample: str = "",
    notes: str = "",
    evidence: ControlEvidence | None = None,
) -> ControlTestResult:
    """The plan's tester records a result; the plan's next due date moves on."""
    from isms.workflow import lock

    (plan,) = lock(plan)
    if actor.user_id is None or actor.user_id != plan.tester_id:
        raise NotPermitted(
            "Only the plan's tester records its result.", code=ErrorCode.PERMISSION_DENIED
        )
    refused = tester_refusal(plan.soa_row, actor.user)
    if refused:  # the owner changed since the plan was made
        raise NotPermitted(refused, code=ErrorCode.PERMISSION_DENIED)
    if result not in TestResult.values:
        raise ValidationError({"result": "Effective, partially effective or ineffective."})
    outcome = ControlTestResult.objects.create(
        soa_row=plan.soa_row,
        plan=plan,
        test_type=plan.test_type,
        result=result,
        sample=sample,
        notes=notes,
        tester=actor.user,
        source="manual test",
        evidence=evidence,
    )
    plan.next_due = timezone.localdate() + timedelta(days=plan.interval_days)
    plan.save(update_fields=["next_due"])
    _notify_if_failing([outcome])
    return outcome


PUSHED = {"pass": TestResult.EFFECTIVE, "fail": TestResult.INEFFECTIVE}
PUSHED.update({v: v for v in TestResult.values})


@transaction.atomic
def pushed_results_ingest(*, actor: Actor, results: list, source: str = "") -> dict:
    """Results pushed by an integration, all or nothing, idempotent by `idempotency_key`.

    Item: {"control": "iso27001-2022:8.5", "result": "pass"|"fail"|"effective"|…,
    "idempotency_key": "...", "tested_at": ISO 8601 (optional), "notes": "..."}.
    The control must be an applicable row of this organisation's SoA.
    """
    from risks.models import SoARow

    policy.require(actor, "ingest", _probe(ControlTestResult))
    if not isinstance(results, list) or not results:
        raise ValidationError({"results": "Send a non-empty list of results."})
    if len(results) > MAX_BATCH:
        raise ValidationError({"results": f"At most {MAX_BATCH} results per batch."})
    rows = {
        f"{code}:{ref}": pk
        for pk, code, ref in SoARow.objects.values_list(
            "pk", "soa__framework__code", "control__ref"
        )
    }
    keys = [r.get("idempotency_key") for r in results if isinstance(r, dict)]
    done = set(
        ControlTestResult.objects.filter(idempotency_key__in=[k for k in keys if k]).values_list(
            "idempotency_key", flat=True
        )
    )
    new, seen = [], set()
    for index, item in enumerate(results):
        where = f"results[{index}]"
        if not isinstance(item, dict):
            raise ValidationError({where: "Each result is an object."})
        row_id = rows.get(str(item.get("control", "")))
        if row_id is None:
            raise ValidationError(
                {f"{where}.control": f"No control {item.get('control')!r} in this SoA."}
            )
        result = PUSHED.get(item.get("result"))
        if result is None:
            raise ValidationError(
                {f"{where}.result": "pass, fail, effective, partial or ineffective."}
            )
        key = item.get("idempotency_key")
        if not isinstance(key, str) or not key.strip() or len(key) > 100:
            raise ValidationError({f"{where}.idempotency_key": "A key of 1 to 100 characters."})
        tested_at = timezone.now()
        if item.get("tested_at") is not None:
            parsed = (
                parse_datetime(item["tested_at"]) if isinstance(item["tested_at"], str) else None
            )
            if parsed is None or timezone.is_naive(parsed):
                raise ValidationError(
                    {f"{where}.tested_at": "A date and time in ISO 8601 with a UTC offset."}
                )
            tested_at = parsed
        if key in done or key in seen:
            continue
        seen.add(key)
        new.append(
            ControlTestResult(
                organization_id=current_organization_id(),
                soa_row_id=row_id,
                result=result,
                notes=str(item.get("notes", ""))[:2000],
                source=source[:100],
                idempotency_key=key,
                tested_at=tested_at,
            )
        )
    ControlTestResult.objects.bulk_create(new, ignore_conflicts=True)
    _notify_if_failing(new)
    return {"received": len(results), "stored": len(new), "duplicates": len(results) - len(new)}


def _notify_if_failing(results: list[ControlTestResult]) -> None:
    failing = [r for r in results if r.result != TestResult.EFFECTIVE]
    if not failing:
        return
    from isms.models import Organization
    from risks.models import SoARow

    owners = dict(
        SoARow.objects.filter(pk__in={r.soa_row_id for r in failing}).values_list("pk", "owner_id")
    )
    slug = Organization.objects.values_list("slug", flat=True).get(pk=current_organization_id())
    for r in failing:
        owner_id = owners.get(r.soa_row_id)
        if owner_id is None:
            continue
        notify_owner(
            recipient_id=owner_id,
            subject=f"Control test {r.get_result_display().lower()}",
            url=reverse("control_monitoring", args=[slug, r.soa_row_id]),
            key=f"control-test:{r.soa_row_id}:{r.idempotency_key or r.tested_at.isoformat()}",
            body=r.notes,
        )
