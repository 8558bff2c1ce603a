import factory
from django.utils import timezone

from isms import policy
from isms.access import Actor
from isms.models import Membership, Role
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
    SupplierUserObjectPermission,
)
from suppliers.services.question_sets import starter_question_set_install
from tests.factories import MembershipFactory, object_factory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier
        # The owner's grant is its own row: no second save of the supplier (and no extra
        # audit event) after the post-generation hook.
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Supplier {n}")
    website = "https://vendor.example"
    provides = "A hosted AI assistant"
    ai_services = factory.LazyFunction(lambda: [Supplier.AIService.AI_API])
    criticality = Supplier.Criticality.HIGH
    status = Supplier.Status.ACTIVE

    @factory.post_generation
    def owner_grant(supplier, create, extracted, **kwargs):
        """The owner's guardian grant, as supplier_create gives it (suppliers.access)."""
        if create and supplier.owner_id:
            policy.policy_for(Supplier).grant_owner(supplier, supplier.owner)


def officer_actor(organization, user=None) -> Actor:
    """An officer's Actor in `organization` (a new member unless `user` is given)."""
    if user is None:
        user = MembershipFactory(organization=organization, role=Role.OFFICER).user
    membership = Membership.objects.select_related("organization", "user").get(
        organization=organization, user=user
    )
    return Actor.for_membership(membership)


@object_factory(Supplier)
def make_supplier(organization):
    owner = MembershipFactory(organization=organization).user
    return SupplierFactory(organization=organization, owner=owner)


@object_factory(SupplierUserObjectPermission)
def make_supplier_grant(organization):
    supplier = make_supplier(organization)  # SupplierFactory gives the owner their grant
    return SupplierUserObjectPermission.objects.get(content_object=supplier)


@object_factory(SupplierContact)
def make_contact(organization):
    return SupplierContact.objects.create(
        supplier=make_supplier(organization), name="Dana Contact", email="dana@vendor.example"
    )


@object_factory(SupplierCertification)
def make_certification(organization):
    return SupplierCertification.objects.create(
        supplier=make_supplier(organization),
        type=SupplierCertification.Type.ISO27001,
        issuer="A certification body",
        valid_until=timezone.localdate() + timezone.timedelta(days=300),
    )


@object_factory(SupplierContractClause)
def make_contract_clause(organization):
    return SupplierContractClause.objects.create(
        supplier=make_supplier(organization), clause="audit_rights"
    )


@object_factory(QuestionSet)
def make_question_set(organization):
    return starter_question_set_install(organization_id=organization.pk)


@object_factory(Question)
def make_question(organization):
    return make_question_set(organization).questions.first()


@object_factory(SupplierAssessment)
def make_assessment(organization):
    from suppliers.services.assessments import assessment_create

    return assessment_create(
        actor=officer_actor(organization), supplier=make_supplier(organization)
    )


@object_factory(SupplierAnswer)
def make_answer(organization):
    return make_assessment(organization).answers.first()


@object_factory(AnswerComment)
def make_comment(organization):
    answer = make_answer(organization)
    return AnswerComment.objects.create(answer=answer, text="Please attach the report.")


@object_factory(AssessmentTransition)
def make_transition(organization):
    assessment = make_assessment(organization)
    return AssessmentTransition.objects.create(
        assessment=assessment, action="send", from_status="draft", to_status="sent", by_label="x"
    )


@object_factory(AssessmentFile)
def make_assessment_file(organization):
    from django.core.files.base import ContentFile

    assessment = make_assessment(organization)
    return AssessmentFile.objects.create(
        assessment=assessment,
        file=ContentFile(PDF_BYTES, name="evidence.pdf"),
        original_name="evidence.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by_label="test",
    )


@object_factory(SupplierPortalLink)
def make_portal_link(organization):
    from suppliers.services.assessments import assessment_send
    from suppliers.services.portal import portal_link_create

    actor = officer_actor(organization)
    assessment = make_assessment(organization)
    assessment_send(actor=actor, assessment=assessment)
    return portal_link_create(actor=actor, assessment=assessment).link
