"""Incidents raised from failing monitoring checks (A.5.24–5.25 intake; ISO 42001 A.6.2.6).

One click on a failing check run (monitoring.checks: immutable runs, AI metric thresholds)
raises an incident pre-filled from the run: its category from what failed (a drift or
accuracy breach is a malfunction, a fairness gap a biased output, a successful prompt
injection a jailbreak, data-leak hits a leak), the affected assets with their model version
at the time, the run as its source and the run's time as the moment of awareness (the
organisation knew when its own check said so). Where the run evidences controls, a failing
run is a control not working as intended: a nonconformity (Clause 10.2) is raised with it.

Idempotent: the database keeps one incident per check run (incident_one_per_check_run), so
raising twice, or two people at once, gives the same incident.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from assets.models import Asset
from isms import policy
from isms.access import Actor
from isms.errors import Conflict
from isms.tenancy import current_organization_id
from monitoring.incidents.models import Category, Incident, Severity, Source

# What a breached AI metric means as an incident category (monitoring.checks.models.Metric).
METRIC_CATEGORY = {
    "drift": Category.MALFUNCTION,
    "accuracy_delta": Category.MALFUNCTION,
    "human_override_rate": Category.MALFUNCTION,
    "fairness_gap": Category.BIASED_OUTPUT,
    "injection_succeeded": Category.PROMPT_INJECTION,
    "injection_blocked": Category.PROMPT_INJECTION,
    "dlp_hits": Category.DATA_LEAK,
}
METRIC_SEVERITY = {"injection_succeeded": Severity.HIGH, "dlp_hits": Severity.HIGH}


@dataclass(frozen=True)
class Raised:
    incident: Incident
    created: bool
    nonconformity: object | None = None


def incident_for_check_run(run_id: int) -> Incident | None:
    """The incident a check run raised, if any (reads only)."""
    return Incident.objects.filter(check_run_id=run_id).first()


def _metric_of(label: str) -> str:
    """The metric named in an AI-metric failing label ("<asset>: <metric> = <value>")."""
    _, _, rest = label.rpartition(": ")
    return rest.split(" = ", 1)[0].strip()


def prefill(run) -> dict:
    """What the incident says, from the run alone (the run is evidence: it never changes)."""
    from monitoring.checks import registry

    check = registry.get(run.check_code)
    title = check.title if check is not None else run.check_code
    failing = [f for f in (run.failing or []) if isinstance(f, dict)]
    metrics = [_metric_of(str(f.get("label", ""))) for f in failing if f.get("type") == "asset"]
    categories = [METRIC_CATEGORY[m] for m in metrics if m in METRIC_CATEGORY]
    category = categories[0] if categories else Category.OTHER
    severity = next((METRIC_SEVERITY[m] for m in metrics if m in METRIC_SEVERITY), None)
    lines = [
        f"The monitoring check “{title}” reported {run.get_status_display().lower()} "
        f"at {run.ran_at:%Y-%m-%d %H:%M} UTC (check run #{run.pk}).",
        run.evidence,
    ]
    if failing:
        lines.append("Failing:")
        lines += [f"- {f.get('label', '')}" for f in failing]
        if run.failing_count > len(failing):
            lines.append(f"(and {run.failing_count - len(failing)} more)")
    if run.controls:
        lines.append("Evidences controls: " + ", ".join(run.controls))
    first = failing[0].get("label", "") if failing else ""
    return {
        "title": (f"Check failed: {title}" + (f" ({first})" if first else ""))[:200],
        "description": "\n".join(line for line in lines if line),
        "category": category,
        "severity": severity or Severity.MEDIUM,
        "aware_at": run.ran_at,
        "asset_ids": sorted(
            {int(f["id"]) for f in failing if f.get("type") == "asset" and f.get("id")}
        ),
    }


def incident_from_check_run(*, actor: Actor, run, nonconformity: bool = True, owner=None) -> Raised:
    """Raise (or find) the incident of a failing check run, and its nonconformity where the
    run evidences controls and `nonconformity` is asked for."""
    from monitoring.incidents.services import _set_assets, _timeline, incident_opened, sync_clocks

    policy.require(actor, "report", Incident(organization_id=current_organization_id()))
    if run.status == "pass":
        raise Conflict("This check run passed: there is nothing to raise an incident about.")
    existing = incident_for_check_run(run.pk)
    if existing is not None:
        return Raised(existing, created=False)
    values = prefill(run)
    asset_ids = values.pop("asset_ids")
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                source=Source.MONITORING,
                check_run=run,
                reported_by=actor.user,
                reporter_label=actor.label,
                **values,
            )
            # Assets of this organisation still on the register (the run names ids only).
            _set_assets(
                incident, Asset.objects.filter(pk__in=asset_ids).values_list("pk", flat=True)
            )
            _timeline(
                incident,
                f"Raised from check run #{run.pk} ({run.check_code}, {run.status}).",
                actor=actor,
                kind="status",
            )
            sync_clocks(incident)
            incident_opened(incident)
            raised_nc = None
            if nonconformity and run.controls:
                raised_nc = _nonconformity(actor, incident, run, owner)
    except IntegrityError:
        # Someone raised it at the same moment: theirs is the one incident of this run.
        found = incident_for_check_run(run.pk)
        if found is None:
            raise
        return Raised(found, created=False)
    return Raised(incident, created=True, nonconformity=raised_nc)


def _nonconformity(actor: Actor, incident: Incident, run, owner):
    from monitoring.improvement.models import NCSource
    from monitoring.improvement.services import nonconformity_raise

    return nonconformity_raise(
        actor=actor,
        title=f"Failed control check: {incident.title.removeprefix('Check failed: ')}"[:200],
        description=incident.description,
        owner=owner or actor.user_id,
        source=NCSource.CONTROL_TEST,
        source_incident=incident,
        source_reference=f"Check run #{run.pk} ({run.check_code})",
    )
