"""What a pack says, section by section, as of a moment: each section yields blocks (facts,
tables, charts) read through the registers' selectors, keeping only what existed at `as_of`.

A table's rows are an iterator (querysets are read with `.iterator()`), so the renderer can
lay a long register out in chunks and write its CSV attachment in the same pass: no
section, and no register, is ever held whole in memory. Each table with a `register` name is
attached in full as `registers/<name>.csv`, so an auditor can sample the whole population.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

CHUNK = 100  # rows read from the database at a time


@dataclass
class Facts:
    """A short list of label → value lines (scope, context, criteria)."""

    title: str
    items: list[tuple[str, str]]


@dataclass
class Table:
    title: str
    columns: list[tuple[str, Callable]]
    rows: Iterable
    register: str = ""  # attached as registers/<register>.csv when set
    empty: str = "None recorded at this date."


@dataclass
class Chart:
    """An SVG drawn from numbers (monitoring.packs.charts), never from text in the data."""

    title: str
    svg: str


@dataclass
class Note:
    text: str


@dataclass
class PackContext:
    organization: object
    as_of: datetime
    frameworks: list[str]
    extra: dict = field(default_factory=dict)

    @property
    def day(self):
        return timezone.localtime(self.as_of).date()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[PackContext], Iterator]


def _d(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _user(user) -> str:
    return getattr(user, "email", "") if user is not None else ""


def _label(obj, name: str) -> str:
    return getattr(obj, f"get_{name}_display")()


def _rows(queryset) -> Iterator:
    return queryset.iterator(chunk_size=CHUNK)


def _rows_as_of(ctx: PackContext, queryset, fields: list[str]) -> Iterator:
    """A register's rows with the `fields` that change in place (scores, status, lifecycle)
    as they stood at the as-of time, undone through the audit trail chunk by chunk."""
    from monitoring.packs.history import rolled_back_rows

    return rolled_back_rows(_rows(queryset), ctx.as_of, fields, CHUNK)


# --- sections -----------------------------------------------------------------------------


def scope_and_context(ctx: PackContext) -> Iterator:
    from monitoring.context.models import ContextIssue, InterestedParty, Objective, ScopeStatement

    scope = (
        ScopeStatement.objects.filter(approved_at__lte=ctx.as_of).order_by("-approved_at").first()
    )
    if scope is None:
        yield Note("No ISMS scope statement was approved at this date (Clause 4.3).")
    else:
        yield Facts(
            f"ISMS scope, version {scope.number} (Clause 4.3)",
            [
                ("Statement", scope.statement),
                ("Boundaries", scope.boundaries),
                ("Interfaces", scope.interfaces),
                ("Exclusions", scope.exclusions),
                ("Approved", f"{_d(scope.approved_at)} by {_user(scope.approved_by)}"),
            ],
        )
    from monitoring.packs.sections_extra import ai_roles

    yield from ai_roles(ctx)
    yield Table(
        "Internal and external issues (Clause 4.1)",
        [
            ("Issue", lambda i: i.title),
            ("Kind", lambda i: _label(i, "kind")),
            ("How the management system responds", lambda i: i.response),
        ],
        _rows(ContextIssue.objects.filter(created__lte=ctx.as_of).order_by("pk")),
        register="context_issues",
    )
    yield Table(
        "Interested parties (Clause 4.2)",
        [
            ("Party", lambda p: p.name),
            ("Requirements", lambda p: p.requirements),
            ("How addressed", lambda p: p.how_addressed),
        ],
        _rows(InterestedParty.objects.filter(created__lte=ctx.as_of).order_by("pk")),
        register="interested_parties",
    )
    yield Table(
        "Objectives and their measurement (Clause 6.2)",
        [
            ("Objective", lambda o: o.title),
            ("Measure", lambda o: o.measure),
            ("Target", lambda o: f"{o.target} {o.unit}".strip()),
            ("Owner", lambda o: _user(o.owner)),
            ("Due", lambda o: _d(o.due_date)),
        ],
        _rows(
            Objective.objects.filter(created__lte=ctx.as_of).select_related("owner").order_by("pk")
        ),
        register="objectives",
    )


def _soa_snapshots(code: str, as_of):
    """The approved snapshot in force at `as_of` and the one before it."""
    from risks.models import SoASnapshot

    snapshots = list(
        SoASnapshot.objects.filter(soa__framework__code=code, approved_at__lte=as_of)
        .select_related("approved_by")
        .order_by("-approved_at", "-number")[:2]
    )
    return ([*snapshots, None, None])[:2]


def soa(ctx: PackContext) -> Iterator:
    from risks.selectors import snapshot_diff

    for code in ctx.frameworks:
        current, previous = _soa_snapshots(code, ctx.as_of)
        if current is None:
            yield Note(f"{code}: no Statement of Applicability was approved at this date.")
            continue
        yield Facts(
            f"Statement of Applicability, {code} (Clause 6.1.3 d)",
            [
                ("Snapshot in force", f"number {current.number}"),
                ("Approved", f"{_d(current.approved_at)} by {_user(current.approved_by)}"),
                ("Note", current.note),
            ],
        )
        yield Table(
            f"Controls, {code}",
            [
                ("Control", lambda r: r.get("ref", "")),
                ("Title", lambda r: r.get("title", "")),
                ("Applicable", lambda r: "yes" if r.get("applicable") else "no"),
                ("Justification", lambda r: r.get("justification", "")),
                ("Status", lambda r: r.get("implementation_status", "")),
                ("Owner", lambda r: r.get("owner", "")),
            ],
            iter(current.rows),
            register=f"soa_{code}",
        )
        if previous is None:
            yield Note("This is the first approved snapshot: there is no earlier one to compare.")
            continue
        diff = snapshot_diff(previous.rows, current.rows)
        changes = [{"ref": "added", "what": name} for name in diff.get("added", [])] + [
            {"ref": "removed", "what": name} for name in diff.get("removed", [])
        ]
        for row in diff.get("changed", []):
            for change in row["changes"]:
                changes.append(
                    {
                        "ref": row["ref"],
                        "what": f"{change['label']}: {change['from']} → {change['to']}",
                    }
                )
        yield Table(
            f"Changes since snapshot {previous.number}",
            [("Control", lambda c: c["ref"]), ("Change", lambda c: c["what"])],
            iter(changes),
            empty="No change.",
        )


def evidence_index(ctx: PackContext) -> Iterator:
    from monitoring.checks.models import ControlEvidence
    from risks.models import SoARow

    rows = (
        SoARow.objects.filter(applicable=True, soa__framework__code__in=ctx.frameworks)
        .select_related("control", "owner")
        .order_by("soa_id", "control__sort_key", "own_ref", "pk")
    )
    evidence: dict[int, list] = {}
    for item in ControlEvidence.objects.filter(created__lte=ctx.as_of).order_by("collected_on"):
        evidence.setdefault(item.soa_row_id, []).append(item)
    ctx.extra["evidence_files"] = [e for items in evidence.values() for e in items if e.file]
    from monitoring.packs.sections_extra import latest_test, test_results_by_row, trend

    results = test_results_by_row(ctx)

    def items(row):
        found = evidence.get(row.pk, [])
        if not found:
            return "none"
        return "; ".join(
            f"{e.title} ({e.collected_on}, {e.source or e.get_kind_display()}"
            + (f", valid until {e.valid_until}" if e.valid_until else "")
            + ")"
            for e in found
        )

    yield Table(
        "Applicable controls and their evidence (Clause 9.1; Annex A)",
        [
            ("Control", lambda r: r.ref),
            ("Title", lambda r: r.title),
            ("How implemented", lambda r: r.evidence or r.justification),
            ("Status", lambda r: _label(r, "implementation_status")),
            ("Evidence items", items),
            ("Latest test", lambda r: latest_test(results.get(r.pk, []))),
            ("Trend (last five)", lambda r: trend(results.get(r.pk, []))),
        ],
        _rows(rows),
        register="evidence_index",
    )


def risks(ctx: PackContext) -> Iterator:
    from monitoring.packs.charts import heat_map_svg
    from risks.models import Risk
    from risks.selectors import criteria_get, risks_for_list

    criteria = criteria_get()
    yield Facts(
        "Risk criteria (Clause 6.1.2 a)",
        [
            ("Likelihood scale", ", ".join(criteria.likelihood_labels)),
            ("Impact scale", ", ".join(criteria.impact_labels)),
            (
                "Bands (score from)",
                f"medium {criteria.medium_from}, high {criteria.high_from}, "
                f"critical {criteria.critical_from}",
            ),
            ("Acceptance threshold", str(criteria.acceptance_threshold)),
        ],
    )
    queryset = risks_for_list(criteria).filter(created__lte=ctx.as_of)
    cells: dict[tuple[int, int], int] = {}
    scored = ["inherent_likelihood", "inherent_impact"]
    for risk in _rows_as_of(ctx, Risk.objects.filter(created__lte=ctx.as_of).only(*scored), scored):
        likelihood, impact = risk.inherent_likelihood, risk.inherent_impact
        if likelihood and impact:
            cells[(likelihood, impact)] = cells.get((likelihood, impact), 0) + 1
    yield Chart("Inherent risk heat map (likelihood × impact)", heat_map_svg(cells))

    def plan_approval(r) -> str:
        if r.plan_approved_at is None or r.plan_approved_at > ctx.as_of:
            return ""
        return f"{_user(r.plan_approved_by)}, {_d(r.plan_approved_at)}"

    yield Table(
        "Risk register and treatment plan (Clauses 6.1.2, 6.1.3, 8.2, 8.3)",
        [
            ("Ref", lambda r: f"R-{r.pk}"),
            ("Risk", lambda r: r.title),
            ("Category", lambda r: _label(r, "category")),
            ("Owner", lambda r: _user(r.owner)),
            ("Inherent", lambda r: _d(r.inherent_score)),
            ("Residual", lambda r: _d(r.residual_score)),
            ("Treatment", lambda r: _label(r, "treatment") if r.treatment else ""),
            ("Plan approved by the owner", plan_approval),
        ],
        _rows_as_of(
            ctx,
            queryset.select_related("plan_approved_by").order_by("pk"),
            ["title", "category", "owner", "inherent_score", "residual_score", "treatment"],
        ),
        register="risks",
    )
    from monitoring.packs.sections_extra import risk_acceptances

    yield from risk_acceptances(ctx)


def ai_systems(ctx: PackContext) -> Iterator:
    from assets.selectors import register
    from risks.models import ImpactAssessment
    from risks.selectors import change_requests_for_list

    yield Table(
        "Asset register (controls 5.9, 5.12)",
        [
            ("Asset", lambda a: a.name),
            ("Type", lambda a: _label(a, "asset_type")),
            ("Owner", lambda a: _user(a.owner)),
            ("Classification", lambda a: _label(a, "classification")),
            ("Lifecycle", lambda a: _label(a, "lifecycle")),
            ("Supplier", lambda a: str(a.supplier) if a.supplier_id else ""),
            ("AI risk tier", lambda a: _label(a, "risk_tier") if a.risk_tier else ""),
            ("Added", lambda a: _d(a.created.date())),
        ],
        _rows_as_of(
            ctx,
            register().filter(created__lte=ctx.as_of).order_by("pk"),
            ["name", "asset_type", "owner", "classification", "lifecycle", "supplier", "risk_tier"],
        ),
        register="assets",
    )
    yield Table(
        "AI change requests (Clause 6.3, 8.1; control 8.32)",
        [
            ("Change", lambda c: c.title),
            ("Status", lambda c: _label(c, "status")),
            ("Requested by", lambda c: _user(c.requested_by)),
            ("Decided", lambda c: _d(c.decided_at)),
        ],
        _rows_as_of(
            ctx,
            change_requests_for_list().filter(created__lte=ctx.as_of).order_by("pk"),
            ["title", "status", "decided_at"],
        ),
        register="change_requests",
    )
    yield Table(
        "AI impact assessments (ISO/IEC 42001 6.1.4)",
        [
            ("Asset", lambda i: str(i.asset)),
            ("Status", lambda i: _label(i, "status")),
            ("Risk tier", lambda i: i.risk_tier),
            ("Approved", lambda i: _d(i.approved_at)),
        ],
        _rows_as_of(
            ctx,
            ImpactAssessment.objects.filter(created__lte=ctx.as_of)
            .select_related("asset")
            .order_by("pk"),
            ["status", "risk_tier", "approved_at"],
        ),
        register="impact_assessments",
    )
    from monitoring.packs.sections_extra import frias

    yield from frias(ctx)


def suppliers(ctx: PackContext) -> Iterator:
    from suppliers.selectors import suppliers_list

    yield Table(
        "Suppliers (controls 5.19–5.23)",
        [
            ("Supplier", lambda s: s.name),
            ("Provides", lambda s: s.provides),
            ("Criticality", lambda s: _label(s, "criticality")),
            ("Status", lambda s: _label(s, "status")),
            ("Owner", lambda s: _user(s.owner)),
            ("Rating", lambda s: _label(s, "rating") if s.rating else ""),
            ("Last assessed", lambda s: _d(s.last_assessed_on)),
        ],
        _rows_as_of(
            ctx,
            suppliers_list().filter(created__lte=ctx.as_of).order_by("pk"),
            ["name", "provides", "criticality", "status", "owner", "rating", "last_assessed_on"],
        ),
        register="suppliers",
    )
    from monitoring.packs.sections_extra import supplier_assurance

    yield from supplier_assurance(ctx)


def policies(ctx: PackContext) -> Iterator:
    from policies.models import Acknowledgement, PolicyVersion

    versions = list(
        PolicyVersion.objects.filter(published_at__lte=ctx.as_of)
        .exclude(superseded_at__lte=ctx.as_of)
        .exclude(retired_at__lte=ctx.as_of)
        .select_related("policy", "approved_by")
        .order_by("policy__title", "number")
    )
    from isms.models import Membership

    members = Membership.objects.filter(organization=ctx.organization).count() or 1
    acks: dict[int, int] = {}
    for version_id in Acknowledgement.objects.filter(
        version__in=versions, acknowledged_at__lte=ctx.as_of
    ).values_list("version_id", flat=True):
        acks[version_id] = acks.get(version_id, 0) + 1
    yield Table(
        "Policies in force (Clause 5.2; control 5.1)",
        [
            ("Policy", lambda v: v.policy.title),
            ("Version", lambda v: v.number),
            ("Approved by", lambda v: _user(v.approved_by)),
            ("Published", lambda v: _d(v.published_at)),
            ("Acknowledged", lambda v: f"{round(100 * acks.get(v.pk, 0) / members)} %"),
        ],
        iter(versions),
        register="policies",
    )


def improvement(ctx: PackContext) -> Iterator:
    from monitoring.audits.models import Audit
    from monitoring.improvement.models import Nonconformity
    from monitoring.incidents.models import Incident
    from monitoring.management.models import ManagementReview
    from monitoring.reviews.models import AIReview

    yield Table(
        "AI system reviews (Clause 9.1)",
        [
            ("Asset", lambda r: str(r.asset)),
            ("Status", lambda r: _label(r, "status")),
            ("Outcome", lambda r: _label(r, "outcome") if r.outcome else ""),
            ("Signed off", lambda r: _d(r.signed_off_at)),
        ],
        _rows_as_of(
            ctx,
            AIReview.objects.filter(created__lte=ctx.as_of).select_related("asset").order_by("pk"),
            ["status", "outcome", "signed_off_at"],
        ),
        register="ai_reviews",
    )
    from monitoring.packs.sections_extra import reviews_done_and_overdue

    yield from reviews_done_and_overdue(ctx)
    yield Table(
        "Incidents (control 5.24–5.28)",
        [
            ("Incident", lambda i: i.title),
            ("Severity", lambda i: _label(i, "severity")),
            ("Status", lambda i: _label(i, "status")),
            ("Aware at", lambda i: _d(i.aware_at)),
            ("Closed", lambda i: _d(i.closed_at)),
        ],
        _rows_as_of(
            ctx,
            Incident.objects.filter(created__lte=ctx.as_of).order_by("pk"),
            ["title", "severity", "status", "aware_at", "closed_at"],
        ),
        register="incidents",
    )
    from monitoring.packs.sections_extra import incident_clocks

    yield from incident_clocks(ctx)
    yield Table(
        "Nonconformities and corrective actions (Clause 10.2)",
        [
            ("Nonconformity", lambda n: n.title),
            ("Status", lambda n: _label(n, "status")),
            ("Raised", lambda n: _d(n.raised_at)),
            ("Closed", lambda n: _d(n.closed_at)),
        ],
        _rows_as_of(
            ctx,
            Nonconformity.objects.filter(raised_at__lte=ctx.as_of).order_by("pk"),
            ["title", "status", "closed_at"],
        ),
        register="nonconformities",
    )
    yield Table(
        "Internal audits (Clause 9.2)",
        [
            ("Audit", lambda a: a.title),
            ("Planned", lambda a: f"{a.planned_start} – {a.planned_end}"),
            ("Status", lambda a: _label(a, "status")),
            ("Reported", lambda a: _d(a.reported_at)),
        ],
        _rows_as_of(
            ctx,
            Audit.objects.filter(created__lte=ctx.as_of).order_by("pk"),
            ["title", "planned_start", "planned_end", "status", "reported_at"],
        ),
        register="audits",
    )
    yield Table(
        "Management reviews (Clause 9.3)",
        [
            ("Review", lambda m: m.title),
            ("Meeting", lambda m: _d(m.meeting_date)),
            ("Status", lambda m: _label(m, "status")),
            ("Approved", lambda m: _d(m.approved_at)),
        ],
        _rows_as_of(
            ctx,
            ManagementReview.objects.filter(created__lte=ctx.as_of).order_by("pk"),
            ["title", "meeting_date", "status", "approved_at"],
        ),
        register="management_reviews",
    )


def ai_usage(ctx: PackContext) -> Iterator:
    """What the gateways and agents asked before sending data to AI tools (monitoring.usage):
    over the days the denials are kept, up to the as-of time."""
    from monitoring.usage.models import DENIAL_RETENTION_DAYS, Outcome
    from monitoring.usage.selectors import usage_for_period

    period = usage_for_period(until=ctx.as_of, days=DENIAL_RETENTION_DAYS)
    yield Note(
        f"AI usage decisions answered to gateways and agents from {period.since} to "
        f"{period.until} (the {DENIAL_RETENTION_DAYS} days up to the as-of date; Clause 9.1, "
        "controls 5.9 and 5.10; ISO/IEC 42001 A.9.2). Counts are kept per tool and day."
    )
    yield Facts(
        "AI usage in figures",
        [
            ("Decisions", str(period.total())),
            ("Allowed", str(period.total(Outcome.ALLOW))),
            ("Allowed with obligations", str(period.total(Outcome.ALLOW_WITH_OBLIGATIONS))),
            ("Denied", str(period.total(Outcome.DENY))),
            ("AI tools used", str(len(period.tools))),
            ("People who used them", str(period.people)),
        ],
    )
    yield Table(
        "AI tools used",
        [
            ("Tool", lambda t: t.tool_key),
            ("Asset", lambda t: t.asset.name if t.asset else "not in the register"),
            ("People", lambda t: str(t.people)),
            ("Allowed", lambda t: str(t.allowed)),
            ("With obligations", lambda t: str(t.with_obligations)),
            ("Denied", lambda t: str(t.denied)),
        ],
        iter(period.tools),
        register="ai_usage_tools",
    )
    yield Table(
        "Denials by reason",
        [("Rule", lambda r: r[0]), ("Reason", lambda r: r[1]), ("Denials", lambda r: str(r[2]))],
        iter(period.denial_reasons),
        register="ai_usage_denials",
        empty="No request was denied in the period.",
    )
    yield Table(
        "Shadow AI seen at the gateway",
        [
            ("Tool", lambda s: s.tool_key),
            ("First seen", lambda s: _d(s.first_seen)),
            ("Attempts", lambda s: str(s.attempts)),
            ("Report", lambda s: s.report.name if s.report_id else ""),
        ],
        iter(period.sightings),
        empty="No unknown AI tool was tried.",
    )


AUDIT_EXTRACT_LIMIT = 500  # the last events before the as-of time; the trail itself is kept


def audit_trail(ctx: PackContext) -> Iterator:
    from isms.audit_display import changes_as_text, describe, local_time
    from isms.models import AuditEvent

    events = list(
        AuditEvent.objects.filter(occurred_at__lte=ctx.as_of).order_by("-occurred_at", "-id")[
            :AUDIT_EXTRACT_LIMIT
        ]
    )
    yield Note(
        f"The {len(events)} most recent changes before the as-of time, in words (Clause 7.5.3)."
        f" Audit-trail chain head at that time: {ctx.extra.get('chain_head') or 'not recorded'}."
    )
    yield Table(
        "Audit trail extract",
        [
            ("When", lambda r: local_time(r.event.occurred_at)),
            ("Who", lambda r: r.event.actor or "system"),
            ("What", lambda r: f"{r.event.get_action_display()} {r.object_label}"),
            ("Changes", changes_as_text),
        ],
        iter(describe(events)),
        register="audit_trail",
    )


def _evidence_requests(ctx: PackContext) -> Iterator:
    from monitoring.packs.sections_extra import evidence_requests

    yield from evidence_requests(ctx)


SECTIONS: dict[str, Section] = {
    s.key: s
    for s in [
        Section("scope", "ISMS scope, context and objectives", scope_and_context),
        Section("soa", "Statement of Applicability", soa),
        Section("evidence", "Per-control evidence index", evidence_index),
        Section("risks", "Risk criteria, register and treatment", risks),
        Section("ai", "AI assets, change requests and impact assessments", ai_systems),
        Section("suppliers", "Suppliers", suppliers),
        Section("policies", "Policies in force", policies),
        Section("improvement", "Monitoring, incidents, audits and reviews", improvement),
        Section("ai_usage", "AI usage at run time", ai_usage),
        Section("requests", "Auditor evidence requests and answers", _evidence_requests),
        Section("audit_trail", "Audit trail extract", audit_trail),
    ]
}
SECTION_CHOICES = [(key, s.title) for key, s in SECTIONS.items()]
