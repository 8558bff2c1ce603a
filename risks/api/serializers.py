"""Risks API serializers: create()/update() call risks.services."""

from __future__ import annotations

from rest_framework import serializers

from assets.models import AI_TYPES, Asset
from isms.access import OWN_SCOPE
from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from isms.choices import DataCategory
from isms.models import Control
from risks.ai_act import (
    AnnexIIIUseCase,
    Art25Trigger,
    DerogationCondition,
    HighRiskArea,
    ProhibitedPractice,
    ProhibitionException,
    TransparencyDuty,
)
from risks.models import (
    AIActObligation,
    AIChangeRequest,
    FundamentalRightsAssessment,
    ImpactAssessment,
    Risk,
    RiskAcceptance,
    RiskCriteria,
    RiskSnapshot,
    SoARow,
    SoASnapshot,
    TreatmentAction,
)
from risks.models.change import HarmKind, HarmLevel, HarmScale, HarmTo, Reversibility
from risks.models.register import RISK_EDITABLE, SecurityProperty
from risks.models.soa import InclusionReason
from risks.services import change, register, soa
from suppliers.models import Supplier, SupplierAnswer


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


class LevelDefinitionSerializer(serializers.Serializer):
    meaning = serializers.CharField(help_text="What the level means, in words.")
    example = serializers.CharField(help_text="An example of a risk at this level.")


class RiskCriteriaSerializer(serializers.ModelSerializer):
    max_score = serializers.IntegerField(read_only=True)
    likelihood_definitions = LevelDefinitionSerializer(
        many=True, required=False, help_text="One per likelihood level, lowest first."
    )
    impact_definitions = LevelDefinitionSerializer(
        many=True, required=False, help_text="One per impact level, lowest first."
    )

    class Meta:
        model = RiskCriteria
        fields = [
            "id",
            "likelihood_labels",
            "impact_labels",
            "medium_from",
            "high_from",
            "critical_from",
            "acceptance_threshold",
            "likelihood_definitions",
            "impact_definitions",
            "max_score",
            "updated",
        ]
        read_only_fields = ["id", "updated"]

    def update(self, instance, validated_data):
        for name in ("likelihood_definitions", "impact_definitions"):
            if name in validated_data:
                validated_data[name] = [dict(d) for d in validated_data[name]]
        return register.criteria_update(actor=request_actor(self), **validated_data)


class RiskSerializer(serializers.ModelSerializer):
    owner = MemberField(scope=OWN_SCOPE, help_text="User id of the risk owner (an active member).")
    owner_name = serializers.SerializerMethodField()
    status = serializers.CharField(
        source="effective_status",
        read_only=True,
        help_text="open, treating, accepted or closed (a lapsed acceptance reads open). "
        "Change it with POST …/status/.",
    )
    inherent_band = serializers.CharField(read_only=True)
    residual_band = serializers.CharField(read_only=True)
    acceptance_expires_on = serializers.DateField(read_only=True, allow_null=True)
    overdue_actions = serializers.IntegerField(
        read_only=True, help_text="Treatment actions past their due date and not done."
    )
    plan_approved_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    plan_approved_treatment = serializers.CharField(
        read_only=True, help_text="The treatment option the risk owner approved the plan for."
    )
    assets = TenantRelatedField(model=Asset, many=True, required=False)
    suppliers = TenantRelatedField(model=Supplier, many=True, required=False)
    controls = serializers.PrimaryKeyRelatedField(
        queryset=Control.objects.all(), many=True, required=False
    )
    threatens = serializers.ListField(
        child=serializers.ChoiceField(choices=SecurityProperty.choices),
        required=False,
        help_text="confidentiality, integrity and/or availability (ISO/IEC 27001 6.1.2).",
    )
    harm_to = serializers.ListField(
        child=serializers.ChoiceField(choices=HarmTo.choices),
        required=False,
        help_text="For an AI risk: individuals, groups and/or society (ISO/IEC 42001 6.1.4).",
    )

    class Meta:
        model = Risk
        # The writable fields are the one declaration in risks.models; the rest is shown only.
        fields = RISK_EDITABLE.serializer_fields(
            "owner_name",
            "inherent_score",
            "inherent_band",
            "residual_score",
            "residual_band",
            "status",
            "acceptance_expires_on",
            "overdue_actions",
            "plan_approved_by",
            "plan_approved_at",
            "plan_approved_treatment",
            "source_gap",
            "created",
            "updated",
        )
        read_only_fields = [
            "id",
            "inherent_score",
            "residual_score",
            "source_gap",
            "created",
            "plan_approved_at",
            "plan_approved_treatment",
        ]

    def get_owner_name(self, risk) -> str:
        return _name(risk.owner)

    def create(self, validated_data):
        return register.risk_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return register.risk_update(actor=request_actor(self), risk=instance, **validated_data)


class RiskStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "treating", "accepted", "closed"])


class RiskFromGapSerializer(serializers.Serializer):
    gap = TenantRelatedField(
        model=SupplierAnswer, help_text="The id of the supplier-assessment answer that is a gap."
    )
    owner = MemberField(scope=OWN_SCOPE, required=False, help_text="Default: the supplier's owner.")


class TreatmentActionSerializer(serializers.ModelSerializer):
    risk = TenantRelatedField(model=Risk)
    owner = MemberField(scope=OWN_SCOPE)
    overdue = serializers.BooleanField(
        read_only=True, help_text="Not done nor cancelled, and the due date has passed."
    )

    class Meta:
        model = TreatmentAction
        fields = [
            "id",
            "risk",
            "description",
            "owner",
            "due_date",
            "status",
            "completed_at",
            "overdue",
        ]
        read_only_fields = ["id", "completed_at", "overdue"]

    def validate_risk(self, risk):
        if self.instance is not None and risk.pk != self.instance.risk_id:
            raise serializers.ValidationError("An action stays with its risk.")
        return risk

    def create(self, validated_data):
        return register.treatment_action_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("risk", None)
        return register.treatment_action_update(
            actor=request_actor(self), action=instance, **validated_data
        )


class RiskAcceptanceSerializer(serializers.ModelSerializer):
    risk = TenantRelatedField(model=Risk)

    class Meta:
        model = RiskAcceptance
        fields = [
            "id",
            "risk",
            "status",
            "rationale",
            "expires_on",
            "score_at_request",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "expired_at",
            "accepted_score",
            "above_appetite",
            "authority",
            "authority_at",
            "authority_score",
        ]
        read_only_fields = [
            "id",
            "status",
            "score_at_request",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "expired_at",
            "accepted_score",
            "above_appetite",
            "authority",
            "authority_at",
            "authority_score",
        ]

    def create(self, validated_data):
        return register.acceptance_request(actor=request_actor(self), **validated_data)


class DecisionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ChangeRequestSerializer(serializers.ModelSerializer):
    asset = TenantRelatedField(
        model=Asset,
        required=False,
        allow_null=True,
        help_text="An existing AI asset; or leave it out and name a new one (new_asset_name).",
    )
    new_asset_name = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200
    )
    new_asset_type = serializers.ChoiceField(
        choices=sorted(AI_TYPES), write_only=True, required=False
    )
    supplier = TenantRelatedField(model=Supplier, required=False, allow_null=True)
    approver = MemberField(help_text="The designated approver (an officer or admin).")
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), required=False
    )
    oversight_person = MemberField(
        required=False, allow_null=True, help_text="Named human oversight (high-risk systems)."
    )

    class Meta:
        model = AIChangeRequest
        fields = [
            "id",
            "title",
            "description",
            "justification",
            "asset",
            "new_asset_name",
            "new_asset_type",
            "data_going_in",
            "data_categories",
            "affected_people",
            "supplier",
            "target_lifecycle",
            "oversight_person",
            "instructions_for_use",
            "fria_reference",
            "requested_by",
            "approver",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created",
        ]
        read_only_fields = [
            "id",
            "requested_by",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created",
        ]

    def create(self, validated_data):
        return change.change_request_create(actor=request_actor(self), **validated_data)


class GateEvidenceSerializer(serializers.Serializer):
    oversight_person = MemberField(required=False, allow_null=True)
    instructions_for_use = serializers.CharField(required=False, allow_blank=True, max_length=500)
    fria_reference = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=["passed", "failed", "not_applicable"])
    detail = serializers.CharField()
    object_ids = serializers.ListField(child=serializers.IntegerField())


class ChecklistSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    blocked = serializers.BooleanField()
    items = ChecklistItemSerializer(many=True)


class HarmSerializer(serializers.Serializer):
    """A harm or a benefit to one affected party (ISO/IEC 42001 6.1.4, ISO/IEC 42005)."""

    kind = serializers.ChoiceField(choices=HarmKind.choices, default=HarmKind.HARM)
    to = serializers.ChoiceField(choices=HarmTo.choices)
    party = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=HarmLevel.choices)
    likelihood = serializers.ChoiceField(choices=HarmLevel.choices)
    scale = serializers.ChoiceField(choices=HarmScale.choices, required=False, allow_blank=True)
    reversibility = serializers.ChoiceField(
        choices=Reversibility.choices, required=False, allow_blank=True
    )
    vulnerable_groups = serializers.CharField(required=False, allow_blank=True, max_length=200)
    jurisdiction = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ImpactAssessmentSerializer(serializers.ModelSerializer):
    asset = TenantRelatedField(model=Asset)
    change_request = TenantRelatedField(model=AIChangeRequest, required=False, allow_null=True)
    harms = HarmSerializer(many=True, required=False)
    prohibited_practices = serializers.ListField(
        child=serializers.ChoiceField(choices=ProhibitedPractice.choices), required=False
    )
    prohibition_exceptions = serializers.ListField(
        child=serializers.ChoiceField(choices=ProhibitionException.choices), required=False
    )
    transparency_duties = serializers.ListField(
        child=serializers.ChoiceField(choices=TransparencyDuty.choices), required=False
    )
    art25_triggers = serializers.ListField(
        child=serializers.ChoiceField(choices=Art25Trigger.choices), required=False
    )
    annex_iii_use_cases = serializers.ListField(
        child=serializers.ChoiceField(choices=AnnexIIIUseCase.choices),
        required=False,
        help_text='Annex III points ("4a" recruitment…): the area alone is not enough.',
    )
    derogation_conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=DerogationCondition.choices), required=False
    )
    high_risk_areas = serializers.ListField(
        child=serializers.ChoiceField(choices=HighRiskArea.choices),
        read_only=True,
        help_text="Derived from the Annex III use cases.",
    )
    obligations = serializers.ListField(child=serializers.CharField(), read_only=True)
    classification_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    obligation_items = serializers.JSONField(
        read_only=True,
        help_text="[{code, article, text, applies_from, date_source}] for the effective role.",
    )

    class Meta:
        model = ImpactAssessment
        fields = [
            "id",
            "asset",
            "change_request",
            "status",
            "intended_purpose",
            "affected_people",
            "foreseeable_misuse",
            "harms",
            "human_oversight_measures",
            "transparency_measures",
            "data_quality_notes",
            "environmental_effects",
            "reassessment_triggers",
            "reassess_by",
            "prohibited_practices",
            "prohibition_exceptions",
            "transparency_duties",
            "ai_act_role",
            "art25_triggers",
            "gpai",
            "gpai_systemic_risk",
            "annex_i_product",
            "annex_iii_use_cases",
            "derogation_conditions",
            "profiles_people",
            "derogation_documentation",
            "high_risk_areas",
            "risk_tier",
            "effective_role",
            "fria_required",
            "classification_reasons",
            "obligations",
            "obligation_items",
            "prepared_by",
            "approved_by",
            "approved_at",
            "superseded_by",
            "superseded_at",
            "created",
            "updated",
        ]
        read_only_fields = [
            "id",
            "status",
            "risk_tier",
            "effective_role",
            "fria_required",
            "prepared_by",
            "approved_by",
            "approved_at",
            "superseded_by",
            "superseded_at",
            "created",
            "updated",
        ]

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("asset", "change_request"):
                if field in attrs and getattr(attrs[field], "pk", None) != getattr(
                    self.instance, f"{field}_id"
                ):
                    raise serializers.ValidationError({field: "This cannot change."})
                attrs.pop(field, None)
        return attrs

    def create(self, validated_data):
        return change.impact_assessment_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return change.impact_assessment_update(
            actor=request_actor(self), assessment=instance, **validated_data
        )


class SoARowSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="soa.framework.code", read_only=True)
    control_ref = serializers.CharField(source="ref", read_only=True)
    control_title = serializers.CharField(source="title", read_only=True)
    is_own = serializers.BooleanField(
        read_only=True, help_text="The organisation's own control (not the library's)."
    )
    source = serializers.CharField(read_only=True)
    owner = MemberField(scope=OWN_SCOPE, required=False, allow_null=True)
    inclusion_reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=InclusionReason.choices), required=False
    )
    evidence_links = serializers.ListField(
        child=serializers.URLField(max_length=500), required=False
    )
    linked_risks = serializers.ListField(
        source="linked_risk_ids",
        child=serializers.IntegerField(),
        required=False,
        help_text="Risk ids. Writable for an own control; a library control's risks are "
        "linked from the risk (its controls).",
    )
    is_stale = serializers.BooleanField(
        read_only=True, help_text="Its linked risks changed after the last approval."
    )

    class Meta:
        model = SoARow
        fields = [
            "id",
            "framework",
            "control",
            "control_ref",
            "control_title",
            "is_own",
            "source",
            "own_ref",
            "own_title",
            "own_source",
            "own_description",
            "applicable",
            "justification",
            "inclusion_reasons",
            "implementation_status",
            "owner",
            "target_date",
            "evidence",
            "evidence_links",
            "linked_risks",
            "is_stale",
            "updated",
        ]
        read_only_fields = ["id", "control", "updated"]

    def update(self, instance, validated_data):
        if "linked_risk_ids" in validated_data:
            validated_data["linked_risks"] = validated_data.pop("linked_risk_ids")
        return soa.soa_row_update(actor=request_actor(self), row=instance, **validated_data)


class OwnControlSerializer(serializers.Serializer):
    """Add an own control to a framework's SoA (then edit its row like any other)."""

    framework = serializers.SlugField(help_text="Framework code of the SoA, e.g. iso27001-2022.")
    own_ref = serializers.CharField(max_length=20)
    own_title = serializers.CharField(max_length=250)
    own_source = serializers.CharField(max_length=120, required=False, allow_blank=True)
    own_description = serializers.CharField(required=False, allow_blank=True)


class RiskSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskSnapshot
        fields = [
            "id",
            "kind",
            "number",
            "status",
            "rows",
            "note",
            "taken_by",
            "taken_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "pdf_ready",
        ]
        read_only_fields = fields

    pdf_ready = serializers.SerializerMethodField()

    def get_pdf_ready(self, snapshot) -> bool:
        return bool(snapshot.pdf)


class RiskSnapshotTakeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RiskSnapshot.Kind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SoASnapshotSerializer(serializers.ModelSerializer):
    framework = serializers.SlugRelatedField(
        source="soa.framework",
        slug_field="code",
        read_only=True,
    )

    class Meta:
        model = SoASnapshot
        fields = ["id", "framework", "number", "rows", "approved_by", "approved_at", "note"]
        read_only_fields = fields


class SoAApproveSerializer(serializers.Serializer):
    framework = serializers.SlugField(help_text="Framework code, e.g. iso27001-2022.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField(help_text="What changed, in words.")
    # "from"/"to" are Python keywords: declared below.
    added = serializers.ListField(child=serializers.CharField(), help_text="Set members added.")
    removed = serializers.ListField(child=serializers.CharField(), help_text="Set members removed.")


FieldChangeSerializer._declared_fields["from"] = serializers.CharField(help_text="Was (words).")
FieldChangeSerializer._declared_fields["to"] = serializers.CharField(help_text="Now (words).")


class RowChangeSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    changes = FieldChangeSerializer(many=True)


class SnapshotDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField(), help_text="“ref title” each.")
    removed = serializers.ListField(child=serializers.CharField())
    changed = RowChangeSerializer(many=True)


class ComplianceDebtSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    age_days = serializers.IntegerField(read_only=True)
    open_change_request = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "name",
            "asset_type",
            "lifecycle",
            "owner",
            "owner_name",
            "created",
            "age_days",
            "open_change_request",
        ]
        read_only_fields = fields

    def get_owner_name(self, asset) -> str:
        return _name(asset.owner)


class SoAStatusSerializer(serializers.Serializer):
    framework = serializers.CharField(source="framework.code", read_only=True)
    status = serializers.CharField(read_only=True)
    submitted_by = serializers.IntegerField(source="submitted_by_id", read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    last_approved_at = serializers.DateTimeField(read_only=True)


class AIActObligationSerializer(serializers.ModelSerializer):
    asset_name = serializers.CharField(source="asset.name", read_only=True)

    class Meta:
        model = AIActObligation
        fields = [
            "id",
            "asset",
            "asset_name",
            "assessment",
            "code",
            "article",
            "text",
            "applies_from",
            "date_source",
            "owner",
            "due_on",
            "status",
            "completed_at",
            "completed_by",
            "superseded_by",
            "superseded_at",
            "created",
        ]
        read_only_fields = fields


class FundamentalRightsAssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundamentalRightsAssessment
        fields = [
            "id",
            "asset",
            "assessment",
            "deployer_processes",
            "period_and_frequency",
            "affected_categories",
            "specific_risks",
            "human_oversight",
            "mitigation_and_complaints",
            "status",
            "completed_at",
            "authority",
            "notified_on",
            "prepared_by",
            "created",
            "updated",
        ]
        read_only_fields = [
            "id",
            "asset",
            "assessment",
            "status",
            "completed_at",
            "prepared_by",
            "created",
            "updated",
        ]

    def update(self, instance, validated_data):
        from risks.services.fria import fria_update

        return fria_update(actor=request_actor(self), fria=instance, **validated_data)
