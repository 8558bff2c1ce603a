"""Due sources for the registers below monitoring (suppliers, risks, policies).

Each is set-based: one or two queries per organisation, whatever its size. Keys are
"<kind>:<object id>" (plus the date the item is due, where a renewal brings a new date, so
a renewed certificate or a rescheduled reassessment is reminded again).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from monitoring.inbox.sources import (
    DueItem,
    TaskCounts,
    TaskQuery,
    _members,
    active_member_ids,
    designated_members,
    due_counter,
    due_source,
    horizon,
    members_with_scope,
    url_maker,
)

# Approvals are due this many days after they were requested.
APPROVAL_DAYS = 7
# A published policy version is to be acknowledged within this many days.
ACKNOWLEDGE_DAYS = 14


def _day(value) -> date:
    return value.date() if hasattr(value, "date") else value


def _expiring_certificates(today: date):
    from suppliers.models import Supplier, SupplierCertification

    newer = SupplierCertification.objects.filter(
        supplier=OuterRef("supplier"),
        type=OuterRef("type"),
        valid_until__gt=OuterRef("valid_until"),
    )
    return (
        SupplierCertification.objects.filter(valid_until__lte=horizon(today))
        .exclude(supplier__status=Supplier.Status.TERMINATED)
        .exclude(Exists(newer))
    )


@due_counter("supplier_certificate")
def supplier_certificate_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    return query.count(
        _expiring_certificates(query.today),
        "valid_until",
        Q(supplier__owner_id=query.user_id),
        domain="suppliers",
    )


@due_source("supplier_certificate", "Supplier certificate expiring")
def supplier_certificates(organization_id: int, today: date) -> Iterable[DueItem]:
    """A supplier's certificate expires (controls 5.19-5.22), unless a newer one of the same
    type already replaces it; reminds the supplier's owner."""
    from suppliers.models import SupplierCertification

    rows = _expiring_certificates(today).values_list(
        "pk",
        "type",
        "other_name",
        "valid_until",
        "supplier_id",
        "supplier__name",
        "supplier__owner_id",
    )
    url = url_maker(organization_id)
    labels = dict(SupplierCertification.Type.choices)
    for pk, kind, other, until, supplier_id, name, owner_id in rows:
        label = other or labels.get(kind, kind)
        yield DueItem(
            recipient_ids=[owner_id],
            key=f"supplier_certificate:{pk}:{until.isoformat()}",
            subject=f"{name}: {label} certificate expires on {until:%d %b %Y}",
            url=url("supplier_detail", supplier_id),
            due_on=until,
            domain="suppliers",
        )


def _reassessments(today: date):
    from suppliers.models import Supplier

    return Supplier.objects.filter(next_reassessment_date__lte=horizon(today)).exclude(
        status=Supplier.Status.TERMINATED
    )


@due_counter("supplier_reassessment")
def supplier_reassessment_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    return query.count(
        _reassessments(query.today),
        "next_reassessment_date",
        Q(owner_id=query.user_id),
        domain="suppliers",
    )


@due_source("supplier_reassessment", "Supplier reassessment")
def supplier_reassessments(organization_id: int, today: date) -> Iterable[DueItem]:
    rows = _reassessments(today).values_list("pk", "name", "owner_id", "next_reassessment_date")
    url = url_maker(organization_id)
    for pk, name, owner_id, due in rows:
        yield DueItem(
            recipient_ids=[owner_id],
            key=f"supplier_reassessment:{pk}:{due.isoformat()}",
            subject=f"Reassess supplier {name}",
            url=url("supplier_detail", pk),
            due_on=due,
            domain="suppliers",
        )


def _lapsing_acceptances(today: date):
    from risks.models import RiskAcceptance

    return RiskAcceptance.objects.filter(
        status=RiskAcceptance.Status.APPROVED, expires_on__lte=horizon(today)
    )


@due_counter("risk_acceptance_expiring")
def risk_acceptance_expiring_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    return query.count(
        _lapsing_acceptances(query.today),
        "expires_on",
        Q(risk__owner_id=query.user_id),
        domain="risks",
    )


@due_source("risk_acceptance_expiring", "Risk acceptance expiring")
def risk_acceptances_expiring(organization_id: int, today: date) -> Iterable[DueItem]:
    """An approved risk acceptance lapses: the risk owner decides again (6.1.3, 8.3)."""
    rows = _lapsing_acceptances(today).values_list(
        "pk", "risk_id", "risk__title", "risk__owner_id", "expires_on"
    )
    url = url_maker(organization_id)
    for pk, risk_id, title, owner_id, expires in rows:
        yield DueItem(
            recipient_ids=[owner_id],
            key=f"risk_acceptance_expiring:{pk}",
            subject=f"The acceptance of risk “{title}” expires on {expires:%d %b %Y}",
            url=url("risk_detail", risk_id),
            due_on=expires,
            domain="risks",
        )


def _open_treatment_actions(today: date):
    from risks.models import TreatmentAction

    return TreatmentAction.objects.filter(
        status__in=[TreatmentAction.Status.PLANNED, TreatmentAction.Status.IN_PROGRESS],
        due_date__lte=horizon(today),
    )


@due_counter("treatment_action")
def treatment_action_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    return query.count(
        _open_treatment_actions(query.today), "due_date", Q(owner_id=query.user_id), "risks"
    )


@due_source("treatment_action", "Risk treatment action")
def treatment_actions(organization_id: int, today: date) -> Iterable[DueItem]:
    rows = _open_treatment_actions(today).values_list(
        "pk", "description", "owner_id", "due_date", "risk_id", "risk__title"
    )
    url = url_maker(organization_id)
    for pk, what, owner_id, due, risk_id, title in rows:
        yield DueItem(
            recipient_ids=[owner_id],
            key=f"treatment_action:{pk}:{due.isoformat()}",
            subject=f"Treatment action “{what}” (risk “{title}”)",
            url=url("risk_detail", risk_id),
            due_on=due,
            domain="risks",
        )


def _open_obligations(today: date):
    from risks.models import AIActObligation

    return AIActObligation.objects.filter(
        status=AIActObligation.Status.OPEN, due_on__lte=horizon(today)
    )


@due_counter("ai_act_obligation")
def ai_act_obligation_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    return query.count(_open_obligations(query.today), "due_on", Q(owner_id=query.user_id), "risks")


@due_source("ai_act_obligation", "EU AI Act obligation")
def ai_act_obligations(organization_id: int, today: date) -> Iterable[DueItem]:
    """An open EU AI Act obligation of an AI system (risks.models.obligations) comes due:
    reminds its owner. The key carries the due date, so a moved application date (an amending
    act) is reminded again."""
    rows = _open_obligations(today).values_list(
        "pk", "article", "text", "owner_id", "due_on", "asset_id", "asset__name"
    )
    url = url_maker(organization_id)
    for pk, article, text, owner_id, due, asset_id, asset_name in rows:
        yield DueItem(
            recipient_ids=[owner_id],
            key=f"ai_act_obligation:{pk}:{due.isoformat()}",
            subject=f"{asset_name}: {article} — {text}",
            url=url("ai_act_obligation_list", query=f"asset={asset_id}"),
            due_on=due,
            domain="risks",
        )


def _reassessable_impact_assessments(today: date):
    from risks.models import ImpactAssessment

    return ImpactAssessment.objects.filter(
        status=ImpactAssessment.Status.APPROVED, reassess_by__lte=horizon(today)
    )


@due_counter("impact_reassessment")
def impact_reassessment_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    return query.count(
        _reassessable_impact_assessments(query.today),
        "reassess_by",
        Q(asset__owner_id=query.user_id),
        "risks",
    )


@due_source("impact_reassessment", "AI impact assessment to reassess")
def impact_reassessments(organization_id: int, today: date) -> Iterable[DueItem]:
    """An approved AI impact assessment reaches the date it said it would be reassessed by
    (ISO/IEC 42001 6.1.4, 8.4): reminds the AI system's owner."""
    rows = _reassessable_impact_assessments(today).values_list(
        "pk", "reassess_by", "asset__name", "asset__owner_id"
    )
    url = url_maker(organization_id)
    for pk, due, asset_name, owner_id in rows:
        yield DueItem(
            recipient_ids=[owner_id],
            key=f"impact_reassessment:{pk}:{due.isoformat()}",
            subject=f"Reassess the AI impact assessment of {asset_name}",
            url=url("impact_assessment", pk),
            due_on=due,
            domain="risks",
        )


@due_counter("policy_acknowledgement")
def policy_acknowledgement_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    """The source's items for one person without reading every acknowledgement: per
    published version, the acknowledgements of its audience are counted in SQL by version and
    reader's role (with this person's own among them) and set against the audience's size
    from the member list. A version is an item while anyone of its audience is missing."""
    from django.db.models import Count

    from policies.models import Acknowledgement, Policy, PolicyVersion, VersionStatus

    by_role: dict[str, int] = {}
    my_role = None
    for user_id, role in _members(organization_id):
        by_role[role] = by_role.get(role, 0) + 1
        if user_id == query.user_id:
            my_role = role
    versions = (
        PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by()
        .values_list("pk", "published_at", "created", "policy__audience", "policy__audience_roles")
    )
    # The readers who are active members now, by role (one membership per organisation).
    active = Q(user__memberships__expires_at__isnull=True) | Q(
        user__memberships__expires_at__gt=timezone.now()
    )
    acknowledged: dict[tuple[int, str], int] = {}
    mine: set[int] = set()
    for version_id, role, count, own in (
        Acknowledgement.objects.filter(
            Q(version__status=VersionStatus.PUBLISHED)
            & Q(user__memberships__organization_id=organization_id)
            & active
        )
        .order_by()
        .values_list("version_id", "user__memberships__role")
        .annotate(count=Count("pk"), own=Count("pk", filter=Q(user_id=query.user_id)))
    ):
        acknowledged[version_id, role] = count
        if own:
            mine.add(version_id)
    items = []
    for pk, published_at, created, audience, chosen in versions:
        roles = set(Policy(audience=audience, audience_roles=chosen).audience_role_list)
        missing = sum(by_role.get(role, 0) - acknowledged.get((pk, role), 0) for role in roles)
        if missing:
            due_on = _day(published_at or created) + timedelta(days=ACKNOWLEDGE_DAYS)
            items.append((due_on, my_role in roles and pk not in mine, None))
    return query.tally(items, "policies")


@due_source("policy_acknowledgement", "Policy to acknowledge")
def policy_acknowledgements(organization_id: int, today: date) -> Iterable[DueItem]:
    """Members of a published version's audience who have not acknowledged it (5.1, 6.3)."""
    from policies.models import Acknowledgement, PolicyVersion, VersionStatus

    versions = list(
        PolicyVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("policy")
    )
    members: dict[str, list[int]] = {}
    for user_id, role in _members(organization_id):
        members.setdefault(role, []).append(user_id)
    # A set needs no order: the model's default (-acknowledged_at) sorted 15,000 rows first.
    done: set[tuple[int, int]] = set(
        Acknowledgement.objects.filter(version__status=VersionStatus.PUBLISHED)
        .order_by()
        .values_list("version_id", "user_id")
    )
    url = url_maker(organization_id)
    for version in versions:
        audience = {u for role in version.policy.audience_role_list for u in members.get(role, [])}
        missing = sorted(u for u in audience if (version.pk, u) not in done)
        if not missing:
            continue
        published = _day(version.published_at or version.created)
        yield DueItem(
            recipient_ids=missing,
            key=f"policy_acknowledgement:{version.pk}",
            subject=f"Read and acknowledge {version.policy.title} (version {version.number})",
            url=url("policies:version_detail", version.pk),
            due_on=published + timedelta(days=ACKNOWLEDGE_DAYS),
            domain="policies",
        )


# --- approvals waiting for someone ------------------------------------------------------------


@due_source("approval_change_request", "Approval: AI change request")
def change_requests_waiting(organization_id: int, today: date) -> Iterable[DueItem]:
    from risks.models import AIChangeRequest

    rows = AIChangeRequest.objects.filter(status=AIChangeRequest.Status.SUBMITTED).values_list(
        "pk", "title", "approver_id", "created"
    )
    url = url_maker(organization_id)
    for pk, title, approver_id, created in rows:
        yield DueItem(
            recipient_ids=[approver_id],
            key=f"approval_change_request:{pk}",
            subject=f"AI change request “{title}” is waiting for your approval",
            url=url("change_request_detail", pk),
            due_on=_day(created) + timedelta(days=APPROVAL_DAYS),
            domain="risks",
        )


@due_source("approval_impact_assessment", "Approval: AI impact assessment")
def impact_assessments_waiting(organization_id: int, today: date) -> Iterable[DueItem]:
    from risks.models import ImpactAssessment

    rows = ImpactAssessment.objects.filter(status=ImpactAssessment.Status.DRAFT).values_list(
        "pk", "asset__name", "prepared_by_id", "created"
    )
    approvers = members_with_scope(organization_id, "risks:approve")
    url = url_maker(organization_id)
    for pk, asset_name, prepared_by, created in rows:
        recipients = [u for u in approvers if u != prepared_by]  # segregation of duties
        yield DueItem(
            recipient_ids=recipients,
            key=f"approval_impact_assessment:{pk}",
            subject=f"The AI impact assessment of {asset_name} is waiting for approval",
            url=url("impact_assessment", pk),
            due_on=_day(created) + timedelta(days=APPROVAL_DAYS),
            domain="risks",
        )


@due_source("approval_risk_acceptance", "Decision: risk acceptance")
def risk_acceptances_waiting(organization_id: int, today: date) -> Iterable[DueItem]:
    """A requested acceptance waits for the risk owner, who decides (ISO/IEC 27001:2022
    6.1.3 f). Above the appetite, until a top-management member has endorsed the risk's
    current score, it also waits for the members designated top management."""
    from risks.models import RiskAcceptance, RiskCriteria

    rows = RiskAcceptance.objects.filter(status=RiskAcceptance.Status.REQUESTED).values_list(
        "pk",
        "risk_id",
        "risk__title",
        "risk__owner_id",
        "requested_at",
        "authority_score",
        "risk__residual_likelihood",
        "risk__residual_impact",
        "risk__inherent_likelihood",
        "risk__inherent_impact",
    )
    criteria = RiskCriteria.objects.first() or RiskCriteria(organization_id=organization_id)
    top_management = designated_members(organization_id, "top_management")
    url = url_maker(organization_id)
    for pk, risk_id, title, owner, requested_at, endorsed, rl, ri, il, ii in rows:
        score = rl * ri if rl is not None else (il * ii if il is not None else None)
        recipients = [owner]
        if criteria.above_appetite(score) and endorsed != score:
            recipients += top_management
        yield DueItem(
            recipient_ids=recipients,
            key=f"approval_risk_acceptance:{pk}",
            subject=f"A request to accept risk “{title}” is waiting for a decision",
            url=url("risk_detail", risk_id),
            due_on=_day(requested_at) + timedelta(days=APPROVAL_DAYS),
            domain="risks",
        )


@due_source("approval_policy_version", "Review: policy version")
def policy_versions_in_review(organization_id: int, today: date) -> Iterable[DueItem]:
    """Versions in review: their named reviewers and approvers (per-version grants)."""
    from policies.models import PolicyVersion, PolicyVersionUserObjectPermission, VersionStatus

    versions = list(
        PolicyVersion.objects.filter(status=VersionStatus.IN_REVIEW).values_list(
            "pk", "number", "policy__title", "submitted_at", "created", "submitted_by_id"
        )
    )
    granted: dict[int, set[int]] = {}
    for version_id, user_id in PolicyVersionUserObjectPermission.objects.filter(
        content_object__organization_id=organization_id,
        content_object__status=VersionStatus.IN_REVIEW,
    ).values_list("content_object_id", "user_id"):
        granted.setdefault(version_id, set()).add(user_id)
    url = url_maker(organization_id)
    for pk, number, title, submitted_at, created, submitted_by in versions:
        recipients = sorted(u for u in granted.get(pk, ()) if u != submitted_by)
        yield DueItem(
            recipient_ids=recipients,
            key=f"approval_policy_version:{pk}",
            subject=f"{title} version {number} is waiting for your review",
            url=url("policies:version_detail", pk),
            due_on=_day(submitted_at or created) + timedelta(days=APPROVAL_DAYS),
            domain="policies",
        )


@due_source("approval_supplier_assessment", "Review: supplier assessment")
def supplier_assessments_waiting(organization_id: int, today: date) -> Iterable[DueItem]:
    from suppliers.models import SupplierAssessment

    S = SupplierAssessment.Status
    rows = SupplierAssessment.objects.filter(status__in=[S.SUBMITTED, S.UNDER_REVIEW]).values_list(
        "pk", "supplier__name", "reviewer_id", "created_by_id", "submitted_at", "created"
    )
    approvers = members_with_scope(organization_id, "suppliers:approve")
    url = url_maker(organization_id)
    for pk, name, reviewer_id, created_by, submitted_at, created in rows:
        recipients = [reviewer_id] if reviewer_id else [u for u in approvers if u != created_by]
        yield DueItem(
            recipient_ids=recipients,
            key=f"approval_supplier_assessment:{pk}",
            subject=f"The assessment of supplier {name} is waiting for review",
            url=url("supplier_assessment_detail", pk),
            due_on=_day(submitted_at or created) + timedelta(days=APPROVAL_DAYS),
            domain="suppliers",
        )


# A supplier link is shown once, when issued: whoever issued it e-mails it to the supplier.
SUPPLIER_LINK_DAYS = 2


@due_source("supplier_link_to_send", "Supplier link to e-mail")
def supplier_links_to_send(organization_id: int, today: date) -> Iterable[DueItem]:
    """A portal link the supplier has not opened yet (controls 5.19-5.21).

    Guardrail shows the link's secret only once and does not e-mail it itself, so the person
    who issued it must send it. The data model records no "sent", only the supplier's first
    use (`last_used_at`); the rule is therefore: a link that is neither revoked nor expired,
    never used by the supplier, on an assessment still waiting for the supplier (status
    "sent"), reminds its issuer; it is due SUPPLIER_LINK_DAYS days after it was issued and
    overdue after that (send it, or chase the supplier). It disappears when the supplier
    opens the link, the link is revoked or expires, or the assessment moves on. If the
    issuer is no longer an active member, the supplier officers (`suppliers:manage`) get it.
    One query (plus the shared member list), whatever the number of links.
    """
    from suppliers.models import SupplierAssessment, SupplierPortalLink

    rows = SupplierPortalLink.objects.filter(
        revoked_at__isnull=True,
        last_used_at__isnull=True,
        expires_at__gt=timezone.now(),
        assessment__status=SupplierAssessment.Status.SENT,
    ).values_list(
        "pk",
        "token_prefix",
        "recipient_email",
        "created",
        "created_by_id",
        "assessment_id",
        "assessment__supplier__name",
    )
    active = {user_id for user_id, _ in _members(organization_id)}
    url = url_maker(organization_id)
    officers = None
    for pk, prefix, email, created, created_by, assessment_id, name in rows:
        due_on = _day(created) + timedelta(days=SUPPLIER_LINK_DAYS)
        if due_on > horizon(today):
            continue
        if created_by in active:
            recipients = [created_by]
        else:
            if officers is None:
                officers = members_with_scope(organization_id, "suppliers:manage")
            recipients = officers
        yield DueItem(
            recipient_ids=recipients,
            key=f"supplier_link_to_send:{pk}",
            subject=f"E-mail the questionnaire link {prefix}… to {email or name}"
            " (the supplier has not opened it yet)",
            url=url("supplier_assessment_detail", assessment_id),
            due_on=due_on,
            domain="suppliers",
        )


def _expiring_training(today: date):
    from monitoring.competence.models import TrainingRecord

    same = Q(requirement_id=OuterRef("requirement_id")) & Q(requirement_id__isnull=False)
    same |= Q(requirement_id__isnull=True, course=OuterRef("course"))
    newer = TrainingRecord.objects.filter(same, member_id=OuterRef("member_id")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    )
    return TrainingRecord.objects.filter(expires_on__lte=horizon(today)).exclude(Exists(newer))


@due_counter("training_expiring")
def training_expiring_counts(organization_id: int, query: TaskQuery) -> TaskCounts:
    """Only active members' records are items (the source skips the others): a subquery of
    the memberships, not the member list's ids (500 parameters to build and send)."""
    from isms.models import Membership

    active = Membership.objects.active().filter(organization_id=organization_id)
    rows = _expiring_training(query.today).filter(member_id__in=active.values("user_id"))
    return query.count(rows, "expires_on", Q(member_id=query.user_id), escalate_after_days=7)


@due_source("training_expiring", "Training expiring")
def training_expiring(organization_id: int, today: date) -> Iterable[DueItem]:
    """A member's training or awareness record expires (Clause 7.2; EU AI Act Art. 4 for AI
    literacy), unless a later record of the same competence (or course) replaces it; the
    member is reminded and the officers are told a week after it lapsed."""
    active = active_member_ids(organization_id)
    rows = _expiring_training(today).values_list("pk", "course", "member_id", "expires_on")
    url = url_maker(organization_id)
    for pk, course, member_id, expires in rows:
        if member_id not in active:
            continue
        yield DueItem(
            recipient_ids=[member_id],
            key=f"training_expiring:{pk}:{expires.isoformat()}",
            subject=f"Your training “{course[:80]}” expires on {expires:%d %b %Y}",
            url=url("training_detail", pk),
            due_on=expires,
            escalate_after_days=7,
        )
