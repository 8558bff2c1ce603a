"""Supplier API serializers: create()/update() call the services, never save() directly."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from isms.access import OWN_SCOPE
from isms.api.serializers import (
    MemberField,
    OptionalChoiceField,
    TenantRelatedField,
    UserSummarySerializer,
    request_actor,
)
from suppliers.models import (
    SUPPLIER_EDITABLE,
    AnswerComment,
    AssessmentFile,
    AssessmentTransition,
    Question,
    QuestionSet,
    Rating,
    Supplier,
    SupplierAnswer,
    SupplierAssessment,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
    SupplierPortalLink,
)
from suppliers.services import assessments, portal, question_sets, register


class SupplierContactSerializer(serializers.ModelSerializer):
    supplier = TenantRelatedField(model=Supplier)

    class Meta:
        model = SupplierContact
        fields = ["id", "supplier", "name", "email", "phone", "role"]

    def validate_supplier(self, supplier):
        if self.instance is not None and supplier != self.instance.supplier:
            raise serializers.ValidationError("A contact cannot move to another supplier.")
        return supplier

    def create(self, data):
        return register.contact_create(actor=request_actor(self), **data)

    def update(self, contact, data):
        data.pop("supplier", None)
        return register.contact_update(actor=request_actor(self), contact=contact, **data)


class ContactInlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplierContact
        fields = ["id", "name", "email", "phone", "role"]


class SupplierSerializer(serializers.ModelSerializer):
    owner = MemberField(
        scope=OWN_SCOPE, help_text="User id of the accountable owner (an active member)."
    )
    owner_detail = UserSummarySerializer(source="owner", read_only=True)
    ai_services = serializers.ListField(
        child=serializers.ChoiceField(choices=Supplier.AIService.choices),
        required=False,
        help_text="Empty when the supplier provides no AI services.",
    )
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(
            choices=Supplier._meta.get_field("data_categories").base_field.choices
        ),
        required=False,
    )
    provides_ai = serializers.BooleanField(read_only=True)
    rating = OptionalChoiceField(
        choices=Rating.choices, help_text="Null until an assessment has been approved."
    )
    reassessment_overdue = serializers.BooleanField(read_only=True)
    certifications_expiring = serializers.SerializerMethodField()
    certifications_expired = serializers.SerializerMethodField()
    contacts = ContactInlineSerializer(many=True, read_only=True, source="contact_list")

    class Meta:
        model = Supplier
        # The writable fields are the one declaration in suppliers.models; the rest is shown.
        fields = SUPPLIER_EDITABLE.serializer_fields(
            "provides_ai",
            "owner_detail",
            "reassessment_overdue",
            "rating",
            "last_assessed_on",
            "certifications_expiring",
            "certifications_expired",
            "contacts",
            "created",
            "updated",
        )
        read_only_fields = ["rating", "last_assessed_on", "created", "updated"]

    def get_certifications_expiring(self, supplier) -> int:
        return getattr(supplier, "certs_expiring", 0)

    def get_certifications_expired(self, supplier) -> int:
        return getattr(supplier, "certs_expired", 0)

    def create(self, data):
        return register.supplier_create(actor=request_actor(self), **data)

    def update(self, supplier, data):
        return register.supplier_update(actor=request_actor(self), supplier=supplier, **data)


class SupplierCertificationSerializer(serializers.ModelSerializer):
    supplier = TenantRelatedField(model=Supplier)
    file = serializers.FileField(
        write_only=True, required=False, help_text="PDF, PNG, JPEG or DOCX, up to 10 MB."
    )
    file_url = serializers.SerializerMethodField()
    expiry_status = serializers.CharField(read_only=True)

    class Meta:
        model = SupplierCertification
        fields = [
            "id",
            "supplier",
            "type",
            "other_name",
            "issuer",
            "scope",
            "valid_from",
            "valid_until",
            "period_start",
            "period_end",
            "bridge_letter_until",
            "expiry_status",
            "file",
            "file_url",
            "created",
        ]
        read_only_fields = ["created"]
        extra_kwargs = {
            "valid_until": {
                "required": False,
                "help_text": "Certificates: the validity date. SOC 2 Type II: leave it out; it "
                "is derived from period_end (plus twelve months) or bridge_letter_until.",
            }
        }

    def get_file_url(self, cert) -> str | None:
        if not cert.file:
            return None
        return reverse(
            "supplier_certification_file",
            kwargs={"org_slug": request_actor(self).organization.slug, "pk": cert.pk},
        )

    def validate_supplier(self, supplier):
        if self.instance is not None and supplier != self.instance.supplier:
            raise serializers.ValidationError("A certification cannot move to another supplier.")
        return supplier

    def create(self, data):
        return register.certification_create(actor=request_actor(self), **data)

    def update(self, cert, data):
        data.pop("supplier", None)
        return register.certification_update(actor=request_actor(self), certification=cert, **data)


class SupplierContractClauseSerializer(serializers.ModelSerializer):
    clause_label = serializers.CharField(source="get_clause_display", read_only=True)

    class Meta:
        model = SupplierContractClause
        fields = [
            "id",
            "supplier",
            "clause",
            "clause_label",
            "status",
            "reference",
            "notification_hours",
            "note",
        ]
        read_only_fields = ["supplier", "clause"]

    def update(self, clause, data):
        merged = {
            "status": clause.status,
            "reference": clause.reference,
            "notification_hours": clause.notification_hours,
            "note": clause.note,
            **data,
        }
        return register.contract_clause_update(actor=request_actor(self), clause=clause, **merged)


class QuestionSerializer(serializers.ModelSerializer):
    question_set = TenantRelatedField(model=QuestionSet)

    class Meta:
        model = Question
        fields = [
            "id",
            "question_set",
            "group",
            "order",
            "text",
            "guidance",
            "answer_type",
            "weight",
            "good_answer",
            "max_age_days",
            "knockout",
            "bad_answer_meaning",
        ]

    def validate_question_set(self, question_set):
        if self.instance is not None and question_set != self.instance.question_set:
            raise serializers.ValidationError("A question cannot move to another set.")
        return question_set

    def create(self, data):
        return question_sets.question_create(actor=request_actor(self), **data)

    def update(self, question, data):
        data.pop("question_set", None)
        return question_sets.question_update(actor=request_actor(self), question=question, **data)


class QuestionSetSerializer(serializers.ModelSerializer):
    question_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = QuestionSet
        fields = [
            "id",
            "name",
            "version",
            "description",
            "status",
            "published_at",
            "question_count",
            "created",
        ]
        read_only_fields = ["version", "status", "published_at", "created"]

    def to_representation(self, question_set):
        # Lists annotate the count; a set just created or changed is counted here (one query).
        if not hasattr(question_set, "question_count"):
            question_set.question_count = question_set.questions.count()
        return super().to_representation(question_set)

    def create(self, data):
        return question_sets.question_set_create(actor=request_actor(self), **data)


class QuestionSetDetailSerializer(QuestionSetSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta(QuestionSetSerializer.Meta):
        fields = [*QuestionSetSerializer.Meta.fields, "questions"]


class GapSerializer(serializers.Serializer):
    question_id = serializers.IntegerField()
    answer_id = serializers.IntegerField(allow_null=True)
    group = serializers.CharField()
    question = serializers.CharField()
    reason = serializers.CharField()
    meaning = serializers.CharField()
    weight = serializers.IntegerField()
    knockout = serializers.BooleanField()


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentTransition
        fields = ["action", "from_status", "to_status", "by", "by_label", "at", "note"]


class SupplierAssessmentSerializer(serializers.ModelSerializer):
    supplier = TenantRelatedField(model=Supplier)
    question_set = TenantRelatedField(
        model=QuestionSet,
        required=False,
        help_text="A published question set; the newest starter version if omitted.",
    )
    rating = OptionalChoiceField(choices=Rating.choices, help_text="Null until it is scored.")

    class Meta:
        model = SupplierAssessment
        fields = [
            "id",
            "supplier",
            "question_set",
            "status",
            "due_date",
            "score",
            "rating",
            "gap_count",
            "created_by",
            "created",
            "sent_at",
            "submitted_at",
            "submitted_by",
            "submitted_by_label",
            "review_started_at",
            "reviewer",
            "decided_at",
            "decided_by",
            "decision_note",
        ]
        read_only_fields = [f for f in fields if f not in {"supplier", "question_set", "due_date"}]

    def update(self, assessment, data):
        if set(data) - {"due_date"}:
            raise serializers.ValidationError(
                {"supplier": "Supplier and question set are fixed once the assessment exists."}
            )
        return assessments.assessment_set_due_date(
            actor=request_actor(self),
            assessment=assessment,
            due_date=data.get("due_date", assessment.due_date),
        )

    def create(self, data):
        return assessments.assessment_create(actor=request_actor(self), **data)


class SupplierAssessmentDetailSerializer(SupplierAssessmentSerializer):
    gaps = serializers.SerializerMethodField()
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(SupplierAssessmentSerializer.Meta):
        fields = [*SupplierAssessmentSerializer.Meta.fields, "gaps", "transitions"]

    @extend_schema_field(GapSerializer(many=True))
    def get_gaps(self, assessment) -> list[dict]:
        scoring = assessments.assessment_scoring(assessment)
        return GapSerializer([g.__dict__ for g in scoring.gaps], many=True).data


class TransitionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AnswerCommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = AnswerComment
        fields = ["id", "author", "text", "created"]
        read_only_fields = ["author", "created"]


class SupplierAnswerSerializer(serializers.ModelSerializer):
    question = QuestionSerializer(read_only=True)
    comments = AnswerCommentSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierAnswer
        fields = [
            "id",
            "assessment",
            "question",
            "choice",
            "text",
            "date",
            "supplier_note",
            "answered_at",
            "answered_by_label",
            "is_gap",
            "gap_reason",
            "comments",
        ]
        read_only_fields = [
            "assessment",
            "answered_at",
            "answered_by_label",
            "is_gap",
            "gap_reason",
        ]

    def update(self, answer, data):
        return assessments.answer_set(actor=request_actor(self), answer=answer, **data)


class AssessmentFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentFile
        fields = [
            "id",
            "assessment",
            "answer",
            "original_name",
            "content_type",
            "size",
            "uploaded_by_label",
            "created",
            "download_url",
        ]

    def get_download_url(self, stored) -> str:
        return reverse(
            "supplier_assessment_file",
            kwargs={"org_slug": request_actor(self).organization.slug, "pk": stored.pk},
        )


class SupplierPortalLinkSerializer(serializers.ModelSerializer):
    assessment = TenantRelatedField(model=SupplierAssessment)
    valid_days = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=portal.MAX_VALID_DAYS
    )
    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = SupplierPortalLink
        fields = [
            "id",
            "assessment",
            "token_prefix",
            "recipient_email",
            "valid_days",
            "expires_at",
            "revoked_at",
            "is_usable",
            "created",
            "last_used_at",
        ]
        read_only_fields = ["token_prefix", "expires_at", "revoked_at", "created", "last_used_at"]

    def create(self, data):
        issued = portal.portal_link_create(
            actor=request_actor(self),
            assessment=data["assessment"],
            valid_days=data.get("valid_days", portal.DEFAULT_VALID_DAYS),
            recipient_email=data.get("recipient_email", ""),
        )
        self.issued_token = issued.token
        return issued.link


class IssuedPortalLinkSerializer(SupplierPortalLinkSerializer):
    """The creation response: the only time the token and the URL are shown."""

    token = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)

    class Meta(SupplierPortalLinkSerializer.Meta):
        fields = [*SupplierPortalLinkSerializer.Meta.fields, "token", "url"]
