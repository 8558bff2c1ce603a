"""Writes for checks and metrics: keyword-only, atomic, never given a request."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assets.models import AI_TYPES, Asset
from isms import policy
from isms.access import Actor
from isms.models import WebhookEventType
from isms.tenancy import current_organization_id
from isms.webhooks.events import emit_many
from isms.writes import model_update
from monitoring.checks.models import CheckRun, CheckStatus, Metric, MetricPoint, MetricThreshold
from monitoring.checks.notifications import notify_owners
from monitoring.checks.registry import CheckType, all_checks, control_key

MAX_BATCH = 1000


@transaction.atomic
def run_checks(*, today: date | None = None, codes: list[str] | None = None) -> list[CheckRun]:
    """Run every registered check (or `codes`) for the organisation in context and record
    each result as an immutable CheckRun; notify the owners of the controls a failure
    evidences. Queries: a constant per check, one insert, one owner lookup."""
    today = today or timezone.localdate()
    now = timezone.now()
    organization_id = current_organization_id()
    runs: list[CheckRun] = []
    for check_type in all_checks():
        if codes is not None and check_type.code not in codes:
            continue
        runs.append(_run_one(check_type, today, now, organization_id))
    CheckRun.objects.bulk_create(runs)
    failed = [r for r in runs if r.status != CheckStatus.PASS]
    _notify_failures(failed, today)
    emit_many(
        WebhookEventType.CHECK_FAILED,
        [
            {
                "object": "check_run",
                "id": run.pk,
                "name": run.check_code,
                "status": run.status,
                "failing_count": run.failing_count,
                "controls": run.controls,
            }
            for run in failed
        ],
    )
    return runs


def _run_one(check_type: CheckType, today: date, now: datetime, organization_id: int) -> CheckRun:
    try:
        with transaction.atomic():
            outcome = check_type.run(today)
    except Exception as error:  # a broken check is recorded, not a broken sweep
        return CheckRun(
            organization_id=organization_id,
            check_code=check_type.code,
            status=CheckStatus.ERROR,
            evidence=f"The check could not run: {type(error).__name__}.",
            controls=check_type.control_keys,
            ran_at=now,
        )
    return CheckRun(
        organization_id=organization_id,
        check_code=check_type.code,
        status=CheckStatus.PASS if outcome.passed else CheckStatus.FAIL,
        value=outcome.value,
        threshold=outcome.threshold,
        failing=[f.as_dict() for f in outcome.failing],
        failing_count=outcome.failing_count,
        evidence=outcome.evidence,
        controls=check_type.control_keys,
        ran_at=now,
    )


def _notify_failures(failed: list[CheckRun], today: date) -> None:
    """Tell each owner of a control a failing run evidences (SoA row owners), once a day.

    Two statements whatever happened (also when nothing failed: the count stays the same
    for every organisation): the owned SoA rows of every control any check evidences, and
    one bulk insert of the notifications."""
    from django.db.models import Q

    from risks.models import SoARow

    keys = sorted({key for check_type in all_checks() for key in check_type.control_keys})
    match = Q()
    for framework_code, ref in (key.split(":", 1) for key in keys):
        match |= Q(soa__framework__code=framework_code, control__ref=ref)
    rows = SoARow.objects.filter(match, applicable=True, owner__isnull=False).values_list(
        "pk", "owner_id", "control__ref", "soa__framework__code", "organization__slug"
    )
    notices = []
    for pk, owner_id, ref, framework_code, slug in rows:
        key = control_key(framework_code, ref)
        for run in failed:
            if key not in run.controls:
                continue
            notices.append(
                {
                    "recipient_id": owner_id,
                    "subject": f"Check failing: {run.check_code} (control {ref})",
                    "url": reverse("control_monitoring", args=[slug, pk]),
                    "key": f"check:{run.check_code}:{pk}:{today.isoformat()}",
                    "body": run.evidence,
                }
            )
    notify_owners(notices)


# --- AI metrics -------------------------------------------------------------------------


def _parse_time(value) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            return None
    else:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        return None
    return parsed


def _parse_value(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(Decimal(value.strip()))
        except (InvalidOperation, ValueError):
            return None
    else:
        return None
    return number if math.isfinite(number) else None


@transaction.atomic
def metric_points_ingest(*, actor: Actor, points: list[dict], source: str = "") -> dict:
    """Store a batch of AI metric points, all or nothing.

    Each item: {"asset": <id>, "metric": <Metric>, "measured_at": ISO 8601 with offset,
    "value": number}. Validation names the first bad item (`points[<i>].<field>`); an
    asset of another organisation is reported exactly like an unknown one. Idempotent by
    (asset, metric, measured_at): points already stored are skipped (and counted).
    Returns {"received", "stored", "duplicates"}.
    """
    policy.require(actor, "ingest", MetricPoint(organization_id=current_organization_id()))
    if not isinstance(points, list) or not points:
        raise ValidationError({"points": "Send a non-empty list of points."})
    if len(points) > MAX_BATCH:
        raise ValidationError({"points": f"At most {MAX_BATCH} points per batch."})
    asset_ids = set()
    for item in points:
        if isinstance(item, dict):
            raw = item.get("asset")
            if isinstance(raw, int) and not isinstance(raw, bool):
                asset_ids.add(raw)
    known = set(
        Asset.objects.filter(pk__in=asset_ids, asset_type__in=AI_TYPES).values_list("pk", flat=True)
    )
    metrics = set(Metric.values)
    organization_id = current_organization_id()
    rows: list[tuple] = []
    seen: set[tuple] = set()
    for index, item in enumerate(points):
        where = f"points[{index}]"
        if not isinstance(item, dict):
            raise ValidationError({where: "Each point is an object."})
        asset_id = item.get("asset")
        if not (isinstance(asset_id, int) and not isinstance(asset_id, bool)) or (
            asset_id not in known
        ):
            raise ValidationError({f"{where}.asset": f"No AI asset with id {asset_id!r}."})
        metric = item.get("metric")
        if metric not in metrics:
            raise ValidationError(
                {
                    f"{where}.metric": f"Unknown metric {metric!r}: one of "
                    + ", ".join(sorted(metrics))
                }
            )
        measured_at = _parse_time(item.get("measured_at"))
        if measured_at is None:
            raise ValidationError(
                {f"{where}.measured_at": "A date and time in ISO 8601 with a UTC offset."}
            )
        value = _parse_value(item.get("value"))
        if value is None:
            raise ValidationError({f"{where}.value": "A finite number."})
        key = (asset_id, metric, measured_at)
        if key in seen:
            continue
        seen.add(key)
        rows.append((asset_id, metric, measured_at, value))
    stored = _insert_points(organization_id, rows, source, pushed_by=actor.label)
    return {"received": len(points), "stored": stored, "duplicates": len(points) - stored}


def _insert_points(
    organization_id: int, rows: list[tuple], source: str = "", *, pushed_by: str = ""
) -> int:
    """Insert (asset id, metric, measured at, value) rows in one INSERT … SELECT FROM
    unnest(…) ON CONFLICT DO NOTHING: the unique index makes a retried point a no-op (also
    under a race), RETURNING counts what was new. Row-level security applies as to any
    insert (points are not copied into the audit trail: isms.db_security)."""
    if not rows:
        return 0
    table = MetricPoint._meta.db_table
    assets, metrics, times, values = zip(*rows, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, asset_id, metric, measured_at, value,"
            " source, received_at, pushed_by)"
            " SELECT %s, a, m, t, v, %s, %s, %s FROM unnest(%s::bigint[], %s::varchar[],"
            " %s::timestamptz[], %s::float8[]) AS p(a, m, t, v)"
            " ON CONFLICT (organization_id, asset_id, metric, measured_at) DO NOTHING"
            " RETURNING 1",
            [
                organization_id,
                source[:100],
                timezone.now(),
                pushed_by[:200],
                list(assets),
                list(metrics),
                list(times),
                list(values),
            ],
        )
        return len(cursor.fetchall())


@transaction.atomic
def metric_threshold_set(
    *,
    actor: Actor,
    asset: Asset,
    metric: str,
    minimum: float | None = None,
    maximum: float | None = None,
) -> MetricThreshold:
    """Create or change the threshold of one metric of one AI asset."""
    probe = MetricThreshold(organization_id=current_organization_id(), asset=asset, metric=metric)
    policy.require(actor, "change", probe)
    if minimum is None and maximum is None:
        raise ValidationError({"minimum": "Give a minimum, a maximum or both."})
    if minimum is not None and maximum is not None and minimum > maximum:
        raise ValidationError({"maximum": "The maximum is below the minimum."})
    if asset.asset_type not in AI_TYPES:
        raise ValidationError({"asset": "Thresholds are for AI assets."})
    existing = MetricThreshold.objects.filter(asset=asset, metric=metric).first()
    if existing is None:
        return MetricThreshold.objects.create(
            asset=asset, metric=metric, minimum=minimum, maximum=maximum
        )
    model_update(
        existing, data={"minimum": minimum, "maximum": maximum}, fields=["minimum", "maximum"]
    )
    return existing


@transaction.atomic
def metric_threshold_delete(*, actor: Actor, threshold: MetricThreshold) -> None:
    policy.require(actor, "delete", threshold)
    threshold.delete()
