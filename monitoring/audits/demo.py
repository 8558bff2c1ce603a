"""Demo internal audit (idempotent): a 2025–2027 programme with last year's audit of
Clauses 8–10 and the AI controls, reported, with findings (one raised as a nonconformity)."""

from __future__ import annotations

from datetime import date

from monitoring.audits import services
from monitoring.audits.models import Audit, AuditProgramme
from monitoring.incidents.demo import _actor

AUDIT_TITLE = "Operation, performance evaluation and improvement (Clauses 8–10)"


def load(demo) -> None:
    officer = _actor(demo, "officer")
    year = date.today().year
    programme = AuditProgramme.objects.filter(title="ISMS and AIMS internal audits").first()
    if programme is None:
        programme = services.programme_create(
            actor=officer,
            title="ISMS and AIMS internal audits",
            start_year=year - 1,
            end_year=year + 1,
        )
    if Audit.objects.filter(title=AUDIT_TITLE).exists():
        return
    # The auditor must own nothing in scope (the scope here is clauses, no assets or controls).
    auditor = _actor(demo, "admin")
    audit = services.audit_plan(
        actor=officer,
        programme=programme,
        title=AUDIT_TITLE,
        auditor=demo.user("admin"),
        clauses=["8", "9", "10"],
        criteria="ISO/IEC 27001:2022 and ISO/IEC 42001:2023 Clauses 8–10; our AI policy.",
        plan="Interviews with the compliance officer and two asset owners; sample 10 records.",
        planned_start=date(year - 1, 10, 6),
        planned_end=date(year - 1, 10, 8),
        checklist="Are AI changes approved before production?\n"
        "Are incidents closed with lessons learned?\n"
        "Is the effectiveness of corrective actions verified?",
        sampled_evidence="3 AI change requests, 4 incidents, 3 corrective actions.",
    )
    audit = services.audit_start(actor=auditor, audit=audit)
    minor = services.finding_add(
        actor=auditor,
        audit=audit,
        kind="minor",
        description="One corrective action was closed without a record of how effectiveness "
        "was checked.",
        evidence="Corrective action on prompt-log review, closed in March.",
    )
    services.finding_add(
        actor=auditor,
        audit=audit,
        kind="ofi",
        description="Publish the public AI concern link on the product pages, not only the "
        "privacy notice.",
    )
    services.finding_raise_nonconformity(actor=officer, finding=minor)
    services.audit_report(
        actor=auditor,
        audit=audit,
        report="Clauses 8–10 are largely effective. One minor nonconformity (verification of "
        "corrective action not recorded) and one opportunity for improvement. Report presented "
        "to the management review.",
    )
