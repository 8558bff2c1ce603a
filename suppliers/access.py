"""Who may do what to supplier data: the suppliers register's policies (isms.policy).

- A supplier is changed by a member with `suppliers:manage` (officers, admins, read-write API
  keys) or by its owner (guardian grant `change_supplier` in SupplierUserObjectPermission,
  given and taken by the services whenever the owner changes), with `suppliers:write`.
- A supplier's contacts, certifications, contract clauses, assessments, answers and portal
  links follow the supplier: whoever may change the supplier may change them.
- An assessment's decision (approve or reject) needs a named person with `suppliers:approve`
  who neither sent it to the supplier, returned it, filled in its answers nor reviewed it
  (segregation of duties, ISO/IEC 27001:2022 Annex A 5.3, applied to supplier assessments
  under 5.19–5.21).
- Question sets are templates for the whole register: `suppliers:manage` to create or edit a
  draft, and `suppliers:approve` as well to publish one.
"""

from __future__ import annotations

from django.db.models import QuerySet

from isms import permissions, policy
from isms.access import Actor
from isms.policy import Refusal
from suppliers.models import (
    AnswerComment,
    AssessmentFile,
    AssessmentTransition,
    Question,
    QuestionSet,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
    SupplierPortalLink,
)

OWNER_GRANT = "change_supplier"


@policy.register
class SupplierPolicy(policy.ModelPolicy):
    model = Supplier
    domain = "suppliers"
    owner_grant = OWNER_GRANT


class SupplierPartPolicy(policy.ModelPolicy):
    """A row that belongs to one supplier: changing it is changing the supplier."""

    domain = "suppliers"
    supplier_path: str = "supplier"

    def supplier_of(self, obj) -> Supplier | None:
        for part in self.supplier_path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def owns(self, actor: Actor, obj) -> bool:
        supplier = self.supplier_of(obj)
        return supplier is not None and SUPPLIER.owns(actor, supplier)

    def describe(self, obj) -> str:
        supplier = self.supplier_of(obj)
        noun = self.model._meta.verbose_name
        return f"this {noun} of supplier “{supplier.name}”" if supplier else f"this {noun}"

    def rule_change(self, actor: Actor, obj) -> Refusal | None:
        refused = self._scope_refusal(actor, self.write_scope)
        if refused is not None:
            return refused
        if actor.has_scope(self.manage_scope) or self.owns(actor, obj):
            return None
        return Refusal(
            "Only the owner of the supplier or a compliance officer may change "
            f"{self.describe(obj)}."
        )

    def restrict(self, actor: Actor, action: str, queryset: QuerySet) -> QuerySet:
        if action in {"change", "delete"} and actor.has_scope(self.write_scope):
            if actor.has_scope(self.manage_scope):
                return queryset
            if actor.user is None:
                return queryset.none()
            owned = permissions.objects_granted(actor.user, OWNER_GRANT, Supplier.objects.all())
            path = self.supplier_path.replace(".", "__")
            return queryset.filter(**{f"{path}__in": owned.values("pk")})
        return super().restrict(actor, action, queryset)


SUPPLIER = policy.policy_for(Supplier)


@policy.register
class SupplierContactPolicy(SupplierPartPolicy):
    model = SupplierContact


@policy.register
class SupplierCertificationPolicy(SupplierPartPolicy):
    model = SupplierCertification


@policy.register
class SupplierContractClausePolicy(SupplierPartPolicy):
    model = SupplierContractClause


@policy.register
class SupplierPortalLinkPolicy(SupplierPartPolicy):
    """Issuing and revoking the supplier's account-free link: the supplier's owner or an
    officer (the link lets an outsider write the assessment's answers)."""

    model = SupplierPortalLink
    supplier_path = "assessment.supplier"


@policy.register
class AssessmentFilePolicy(SupplierPartPolicy):
    model = AssessmentFile
    supplier_path = "assessment.supplier"


@policy.register
class AnswerCommentPolicy(SupplierPartPolicy):
    model = AnswerComment
    supplier_path = "answer.assessment.supplier"


@policy.register
class SupplierAnswerPolicy(SupplierPartPolicy):
    """Answers are filled in by whoever may change the supplier; any member who writes in the
    register may comment on them (reviewers are not necessarily the supplier's owner)."""

    model = SupplierAnswer
    supplier_path = "assessment.supplier"

    def rule_comment(self, actor: Actor, obj) -> Refusal | None:
        return self._scope_refusal(actor, self.write_scope)


# Transitions of the assessment workflow that make their actor a participant of the decision.
PARTICIPATING_ACTIONS = {
    "send": "sent",
    "submit": "filled in",
    "start_review": "reviewed",
    "return_to_supplier": "returned",
}


@policy.register
class SupplierAssessmentPolicy(SupplierPartPolicy):
    """The assessment workflow: sending, submitting, reviewing and returning are changes of
    the supplier's record; approving and rejecting are decisions (segregation of duties)."""

    model = SupplierAssessment
    approvals = frozenset({"approve", "reject"})
    _participants = {
        "sent_by": "sent",
        "returned_by": "returned",
        "submitted_by": "filled in",
        "reviewer": "reviewed",
    }
    separation_of_duties = {"approve": _participants, "reject": _participants}

    def describe(self, obj) -> str:
        supplier = self.supplier_of(obj)
        return f"the assessment of “{supplier.name}”" if supplier else "this assessment"

    def participants(self, action: str, obj) -> dict[int, str]:
        """The fields, and everyone who ever sent, returned, filled in or reviewed it (an
        assessment can go round several times: the fields hold only the latest)."""
        found = super().participants(action, obj)
        if action in self.approvals and obj.pk is not None:
            rows = AssessmentTransition.objects.filter(
                assessment_id=obj.pk, action__in=PARTICIPATING_ACTIONS, by__isnull=False
            ).values_list("by_id", "action")
            for user_id, done in rows:
                found.setdefault(user_id, PARTICIPATING_ACTIONS[done])
        return found

    def rule_send(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_submit(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_start_review(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_return_to_supplier(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_change(actor, obj)

    def rule_reject(self, actor: Actor, obj) -> Refusal | None:
        return None  # approval_refusal has already checked scope and duties


class QuestionSetRules(policy.ManagedPolicy):
    domain = "suppliers"


@policy.register
class QuestionSetPolicy(QuestionSetRules):
    model = QuestionSet
    approvals = frozenset()

    def rule_new_version(self, actor: Actor, obj) -> Refusal | None:
        return self.rule_manage(actor, obj)

    def rule_publish(self, actor: Actor, obj) -> Refusal | None:
        refused = self.rule_manage(actor, obj)
        return refused or self._scope_refusal(actor, self.approve_scope)


@policy.register
class QuestionPolicy(QuestionSetRules):
    model = Question

    def describe(self, obj) -> str:
        return "this question"
