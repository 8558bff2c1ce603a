"""The reminder sweep over every bench organisation (issue 12's target: 100 organisations,
100,000 schedules, ≤ 30 s on this machine, SQL statements per organisation constant).

Runs what the per-organisation Celery task runs (`monitoring.inbox.services.
sweep_organization`, in the organisation's tenant context), one organisation after the
other in this process (the worker's own work, without the broker's latency), with the
digests built but not sent (`send=False`; the e-mail backend is no part of the figure).
The notifications it creates are removed afterwards unless `keep=True`, so the next run
measures the same work.

    python -m isms.devstack manage shell -c "from bench.sweeps import main; main()"
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@dataclass
class SweepFigures:
    organizations: int = 0
    schedules: int = 0
    notifications: int = 0
    seconds: float = 0.0
    queries_per_org: list[int] = field(default_factory=list)

    @property
    def constant_queries(self) -> bool:
        return len(set(self.queries_per_org)) == 1

    def line(self) -> str:
        counts = sorted(set(self.queries_per_org))
        return (
            f"{self.organizations} organisations, {self.schedules:,} schedules, "
            f"{self.notifications:,} reminders in {self.seconds:.1f} s "
            f"(target ≤ 30 s: {'PASS' if self.seconds <= 30 else 'FAIL'}); SQL statements per "
            f"organisation: {counts} ({'constant' if self.constant_queries else 'NOT constant'})"
        )


def measure_reminder_sweep(
    prefix: str = "bench-", keep: bool = False, fresh: bool = True
) -> SweepFigures:
    """`fresh`: start with no reminders (the first sweep, which creates them all); else
    measure the steady state (an hourly run over reminders already sent)."""
    from isms.models import Organization
    from isms.tenancy import tenant_context
    from monitoring.inbox.models import Notification
    from monitoring.inbox.services import sweep_organization
    from monitoring.reviews.models import ReviewSchedule

    figures = SweepFigures()
    organizations = list(
        Organization.objects.filter(slug__startswith=prefix)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for organization_id in organizations:
        with tenant_context(organization_id):
            if fresh:  # start from no reminders
                Notification.objects.all().delete()
            figures.schedules += ReviewSchedule.objects.count()
    if fresh:
        _vacuum()
    reverse("monitoring_inbox:my_tasks", args=["warm"])  # a worker's URL resolver is built
    started = time.perf_counter()
    for organization_id in organizations:
        with CaptureQueriesContext(connection) as captured:
            with tenant_context(organization_id, actor="bench sweep"):
                result = sweep_organization(send=False)
        figures.queries_per_org.append(len(captured))
        figures.notifications += result.created
    figures.seconds = time.perf_counter() - started
    figures.organizations = len(organizations)
    if not keep:
        for organization_id in organizations:
            with tenant_context(organization_id):
                Notification.objects.all().delete()
        _vacuum()
    return figures


def _vacuum() -> None:
    """What autovacuum does to a live database, done now: the removed reminders' index
    entries would otherwise be visited by every unique check of the next first sweep, for
    the very same keys (a cost no live first sweep has). Skipped inside a transaction
    (tests)."""
    from django.db import connections

    from monitoring.inbox.models import Notification

    if connections["owner"].in_atomic_block or connection.in_atomic_block:
        return
    with connections["owner"].cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Notification._meta.db_table}")


def measure_both() -> dict[str, SweepFigures]:
    """The first sweep (creates every reminder), then the steady state over them."""
    first = measure_reminder_sweep(keep=True)
    print("  first sweep (creates every reminder):", first.line(), flush=True)
    again = measure_reminder_sweep(fresh=False)
    print("  steady state (nothing new, the hourly run):", again.line(), flush=True)
    return {"first": first, "steady": again}


def markdown(sweeps: dict) -> list[str]:
    lines = [
        "",
        "Reminder sweep of every bench organisation, one after the other in one process "
        "(target: ≤ 30 s, SQL statements per organisation constant)",
        "",
        "| sweep | organisations | schedules | reminders created | seconds "
        "| SQL per organisation |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, f in sweeps.items():
        f = f if isinstance(f, dict) else asdict(f)
        counts = sorted(set(f["queries_per_org"]))
        label = "first (creates every reminder)" if name == "first" else "steady state"
        lines.append(
            f"| {label} | {f['organizations']} | {f['schedules']:,} | {f['notifications']:,} | "
            f"{f['seconds']:.1f} | {'/'.join(map(str, counts))}"
            f"{' (constant)' if len(counts) == 1 else ''} |"
        )
    return lines


def main() -> None:
    measure_both()
