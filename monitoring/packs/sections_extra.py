"""More of what a pack says (issue 21's content list), beside monitoring.packs.sections:
each control's test results and their trend, the Art. 27 fundamental rights assessments,
suppliers' certifications and contract clauses, incidents' reporting clocks, and the
auditor's evidence requests with their answers. Same rules: only what existed at `as_of`,
rows streamed, every table attached in full as a CSV register."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from monitoring.packs.sections import Facts, Note, PackContext, Table, _d, _label, _rows, _user

TREND_LENGTH = 5  # the results an evidence index row shows, oldest first


def test_results_by_row(ctx: PackContext) -> dict[int, list]:
    """Each SoA row's last `TREND_LENGTH` control test results up to the as-of time, oldest
    first (ISO/IEC 27001 9.1: results retained, so their direction can be read)."""
    from monitoring.checks.models import ControlTestResult

    results: dict[int, list] = {}
    for result in (
        ControlTestResult.objects.filter(tested_at__lte=ctx.as_of)
        .order_by("tested_at", "pk")
        .only("soa_row_id", "result", "tested_at")
        .iterator(chunk_size=500)
    ):
        row = results.setdefault(result.soa_row_id, [])
        row.append(result)
        if len(row) > TREND_LENGTH:
            row.pop(0)
    return results


def latest_test(results: list) -> str:
    if not results:
        return "not tested"
    last = results[-1]
    return f"{last.get_result_display()} ({timezone.localtime(last.tested_at):%Y-%m-%d})"


def trend(results: list) -> str:
    """The results in order and their direction, in words (no colour needed to read it)."""
    if len(results) < 2:
        return "—"
    rank = {"effective": 2, "partial": 1, "ineffective": 0}
    first, last = rank.get(results[0].result, 1), rank.get(results[-1].result, 1)
    direction = "improving" if last > first else "worsening" if last < first else "steady"
    return f"{direction}: " + " → ".join(r.get_result_display().lower() for r in results)


def frias(ctx: PackContext) -> Iterator:
    from risks.models import FundamentalRightsAssessment

    yield Table(
        "Fundamental rights impact assessments (EU AI Act Art. 27)",
        [
            ("AI system", lambda f: str(f.asset)),
            ("Status", lambda f: _label(f, "status")),
            ("Completed", lambda f: _d(f.completed_at)),
            ("Authority notified", lambda f: f"{f.authority} {_d(f.notified_on)}".strip()),
            ("Prepared by", lambda f: _user(f.prepared_by)),
        ],
        _rows(
            FundamentalRightsAssessment.objects.filter(created__lte=ctx.as_of)
            .select_related("asset", "prepared_by")
            .order_by("pk")
        ),
        register="frias",
    )


def supplier_assurance(ctx: PackContext) -> Iterator:
    from suppliers.models import SupplierCertification, SupplierContractClause

    day = ctx.day

    def validity(c) -> str:
        if c.valid_until is None:
            return ""
        state = "expired" if c.valid_until < day else "valid"
        return f"{c.valid_until} ({state} at the as-of date)"

    yield Table(
        "Supplier certifications and attestations (control 5.22)",
        [
            ("Supplier", lambda c: c.supplier.name),
            ("Certification", lambda c: c.other_name or _label(c, "type")),
            ("Issuer", lambda c: c.issuer),
            ("Valid until", validity),
        ],
        _rows(
            SupplierCertification.objects.filter(created__lte=ctx.as_of)
            .select_related("supplier")
            .order_by("supplier__name", "pk")
        ),
        register="supplier_certifications",
    )
    yield Table(
        "Supplier contract clauses (control 5.20)",
        [
            ("Supplier", lambda c: c.supplier.name),
            ("Clause", lambda c: _label(c, "clause")),
            ("Status", lambda c: _label(c, "status")),
            ("Where in the contract", lambda c: c.reference),
            (
                "Breach notice",
                lambda c: f"{c.notification_hours} h" if c.notification_hours else "",
            ),
        ],
        _rows(
            SupplierContractClause.objects.filter(supplier__created__lte=ctx.as_of)
            .select_related("supplier")
            .order_by("supplier__name", "pk")
        ),
        register="supplier_contract_clauses",
    )


def incident_clocks(ctx: PackContext) -> Iterator:
    from monitoring.incidents.models import ReportingClock

    moment = ctx.as_of

    def state(c) -> str:
        reported = c.reported_at if c.reported_at and c.reported_at <= moment else None
        if c.not_required_reason:
            return "not required"
        if reported is not None:
            return "reported on time" if reported <= c.due_at else "reported late"
        return "overdue" if c.due_at <= moment else "running"

    yield Table(
        "Incident reporting clocks (GDPR Art. 33, NIS2 Art. 23, EU AI Act Art. 73)",
        [
            ("Incident", lambda c: c.incident.title),
            ("Obligation", lambda c: c.article),
            ("Due", lambda c: _d(c.due_at)),
            ("Reported", lambda c: _d(c.reported_at) if c.reported_at else ""),
            ("To", lambda c: c.recipient),
            ("State at the as-of time", state),
        ],
        _rows(
            ReportingClock.objects.filter(created__lte=ctx.as_of)
            .select_related("incident")
            .order_by("due_at", "pk")
        ),
        register="incident_clocks",
    )


def evidence_requests(ctx: PackContext) -> Iterator:
    """The auditors' "provided by client" list and the organisation's answers, as of the
    date: an answer given after it is left out, and each request's status is the one it had
    then (a later answer, close or reopen undone through the audit trail)."""
    from django.db.models import Prefetch

    from monitoring.engagements.models import EvidenceAnswer, EvidenceRequest
    from monitoring.packs.history import rolled_back

    answers = EvidenceAnswer.objects.filter(created__lte=ctx.as_of).order_by("created", "pk")

    def request_text(r) -> str:
        control = f"{r.control.framework.code} {r.control.ref}: " if r.control_id else ""
        sample = f" (sample: {', '.join(r.sample.split())})" if r.sample else ""
        return f"{control}{r.question}{sample}"

    def answer_text(r) -> str:
        parts = []
        for a in r.answers.all():
            bits = [a.note, a.url, f"{a.file_name} sha256:{a.sha256[:16]}…" if a.file else ""]
            parts.append(
                "; ".join(b for b in bits if b) + f" ({_user(a.answered_by)}, {_d(a.created)})"
            )
        return " | ".join(parts) or "not answered at this date"

    yield Table(
        "Auditor evidence requests and answers (Clause 9.2)",
        [
            ("Engagement", lambda r: r.engagement.title),
            ("Request", request_text),
            ("Raised by", lambda r: _user(r.raised_by)),
            ("Due", lambda r: _d(r.due_on)),
            (f"Status at {ctx.day}", lambda r: _label(r, "status")),
            ("Answers", answer_text),
        ],
        iter(
            rolled_back(
                EvidenceRequest.objects.filter(created__lte=ctx.as_of)
                .select_related("engagement", "control__framework", "raised_by")
                .prefetch_related(
                    Prefetch("answers", queryset=answers.select_related("answered_by"))
                )
                .order_by("engagement_id", "due_on", "pk"),
                ctx.as_of,
                ["status"],
            )
        ),
        register="evidence_requests",
    )


def risk_acceptances(ctx: PackContext) -> Iterator:
    """Residual risk acceptances (ISO/IEC 27001:2022 6.1.3 f) as they stood at the as-of
    time: asked for by then, their state, decision and top-management endorsement undone
    where they came later (monitoring.packs.history)."""
    from monitoring.packs.history import rolled_back
    from risks.models import RiskAcceptance, RiskCriteria

    criteria = rolled_back(RiskCriteria.objects.all()[:1], ctx.as_of, ["acceptance_threshold"])
    appetite = criteria[0].acceptance_threshold if criteria else None
    acceptances = rolled_back(
        RiskAcceptance.objects.filter(requested_at__lte=ctx.as_of)
        .select_related("risk", "requested_by", "decided_by", "authority")
        .order_by("risk_id", "requested_at", "pk"),
        ctx.as_of,
        [
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "accepted_score",
            "above_appetite",
            "authority",
            "authority_at",
            "authority_score",
            "expired_at",
        ],
    )
    day = ctx.day

    def state(a) -> str:
        if a.status == RiskAcceptance.Status.APPROVED and a.expires_on < day:
            return "Lapsed (past its expiry date)"
        return _label(a, "status")

    def decision(a) -> str:
        if a.decided_at is None:
            return ""
        return f"{_user(a.decided_by)}, {_d(a.decided_at)}"

    def score(a) -> str:
        accepted = a.accepted_score if a.accepted_score is not None else a.score_at_request
        if accepted is None:
            return ""
        if appetite is None:
            return str(accepted)
        above = "above" if accepted > appetite else "within"
        return f"{accepted} ({above} appetite {appetite})"

    def endorsement(a) -> str:
        if a.authority_at is None:
            accepted = a.accepted_score if a.accepted_score is not None else a.score_at_request
            above = appetite is not None and accepted is not None and accepted > appetite
            return "none recorded" if above else "not needed (within appetite)"
        return f"{_user(a.authority)}, {_d(a.authority_at)} at score {a.authority_score}"

    yield Table(
        "Residual risk acceptances (Clause 6.1.3 f)",
        [
            ("Risk", lambda a: f"R-{a.risk_id} {a.risk.title}"),
            ("Requested", lambda a: f"{_user(a.requested_by)}, {_d(a.requested_at)}"),
            (f"State at {day}", state),
            ("Accepted by (risk owner)", decision),
            ("Residual score vs appetite", score),
            ("Top-management endorsement", endorsement),
            ("Expires", lambda a: _d(a.expires_on)),
        ],
        iter(acceptances),
        register="risk_acceptances",
    )


def reviews_done_and_overdue(ctx: PackContext) -> Iterator:
    """Scheduled reviews (Clause 9.1; controls 5.1, 5.9, 5.19–5.22) as the schedules stood at
    the as-of time, overdue ones first, then every review recorded by then. A schedule's
    next due date and last review move in place; both are read back from the audit trail."""
    from isms.models import AuditEvent
    from monitoring.packs.history import rolled_back
    from monitoring.reviews.models import ReviewSchedule

    day = ctx.day
    schedules = rolled_back(
        ReviewSchedule.objects.filter(created__lte=ctx.as_of).select_related("reviewer"),
        ctx.as_of,
        ["next_due", "last_reviewed_on", "active", "interval_months", "reviewer"],
    )
    live = [s for s in schedules if s.active]

    def state(s) -> str:
        late = (day - s.next_due).days
        return f"overdue by {late} days" if late > 0 else "due today" if late == 0 else "on time"

    live.sort(key=lambda s: (s.next_due, s.pk))
    overdue = sum(1 for s in live if s.next_due < day)
    yield Table(
        f"Review schedules at {day}: {overdue} of {len(live)} overdue (Clause 9.1)",
        [
            ("Subject", lambda s: f"{_label(s, 'subject_type')}: {s.title}"),
            ("Every", lambda s: f"{s.interval_months} months"),
            ("Reviewer", lambda s: _user(s.reviewer) or "the officers"),
            ("Last reviewed", lambda s: _d(s.last_reviewed_on)),
            ("Next due", lambda s: _d(s.next_due)),
            (f"State at {day}", state),
        ],
        iter(live),
        register="review_schedules",
    )
    field = "last_reviewed_on"
    titles = {str(s.pk): f"{s.get_subject_type_display()}: {s.title}" for s in schedules}
    done = (
        AuditEvent.objects.filter(
            table_name=ReviewSchedule._meta.db_table,
            action=AuditEvent.Action.UPDATE,
            changes__has_key=field,
            occurred_at__lte=ctx.as_of,
        )
        .order_by("-occurred_at", "-id")
        .values_list("object_id", "changes", "actor", "occurred_at")
    )
    yield Table(
        "Reviews done (Clause 9.1)",
        [
            ("Subject", lambda e: titles[e[0]]),
            ("Reviewed on", lambda e: e[1]["last_reviewed_on"][1]),
            ("Recorded by", lambda e: e[2] or "system"),
            ("Recorded at", lambda e: _d(e[3])),
        ],
        (e for e in done.iterator(chunk_size=500) if e[0] in titles and e[1][field][1]),
        register="reviews_done",
    )


def ai_roles(ctx: PackContext) -> Iterator:
    """The organisation's roles with respect to AI systems (ISO/IEC 42001 clause 4.1) and its
    EU AI Act legal type (who deploys, Art. 27(1)), as recorded at the as-of time."""
    from isms.models import AIRole, AuditEvent, LegalType, OrganizationProfile
    from monitoring.packs.history import rolled_back

    profile = OrganizationProfile.objects.first()
    recorded = profile is not None and (
        AuditEvent.objects.for_object(profile)
        .filter(action=AuditEvent.Action.INSERT, occurred_at__lte=ctx.as_of)
        .exists()
    )
    if not recorded:
        yield Note(
            "The organisation's AI roles and EU AI Act legal type were not recorded at this "
            "date (ISO/IEC 42001 clause 4.1)."
        )
        return
    (profile,) = rolled_back([profile], ctx.as_of, ["ai_roles", "legal_type"])
    labels = dict(AIRole.choices)
    roles = [labels.get(r, r) for r in profile.ai_roles or []]
    yield Facts(
        "The organisation's AI roles (ISO/IEC 42001 clause 4.1)",
        [
            ("Roles", "; ".join(roles) or "none recorded"),
            ("EU AI Act legal type", dict(LegalType.choices).get(profile.legal_type, "")),
        ],
    )
