"""Asset register serializers: create()/update() call assets.services."""

from __future__ import annotations

from rest_framework import serializers

from isms.access import OWN_SCOPE
from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from isms.choices import DataCategory
from suppliers.models import Supplier

from .. import services
from ..models import (
    AI_TYPES,
    ASSET_EDITABLE,
    Asset,
    AssetDependency,
    AssetType,
    Classification,
    Lifecycle,
    ResponsibleAIEvaluation,
)

READ_ONLY = [
    "id",
    "is_ai",
    "owner_name",
    "owner_is_member",
    "retired_at",
    "risk_tier",
    "change_required_since",
    "change_required_reason",
    "source",
    "triage_status",
    "created",
    "updated",
]
# The writable fields are the one declaration in assets.models; the rest is shown only.
ASSET_FIELDS = ASSET_EDITABLE.serializer_fields(*(f for f in READ_ONLY if f != "id"))


class AssetSerializer(serializers.ModelSerializer):
    owner = MemberField(
        scope=OWN_SCOPE, help_text="User id of the accountable owner (an active member)."
    )
    custodian = MemberField(scope=OWN_SCOPE, required=False, allow_null=True)
    supplier = TenantRelatedField(model=Supplier, required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    owner_name = serializers.SerializerMethodField()
    owner_is_member = serializers.SerializerMethodField(
        help_text="False when the owner's membership was removed or has expired."
    )
    is_ai = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = ASSET_FIELDS
        read_only_fields = READ_ONLY

    def get_owner_name(self, asset) -> str:
        owner = asset.owner
        return (owner.get_full_name() or owner.email) if owner else ""

    def get_owner_is_member(self, asset) -> bool:
        return bool(getattr(asset, "owner_is_member", True)) and asset.owner_id is not None

    def get_is_ai(self, asset) -> bool:
        return asset.asset_type in AI_TYPES

    def create(self, validated_data):
        return services.asset_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.asset_update(actor=request_actor(self), asset=instance, **validated_data)


class AssetUpsertSerializer(AssetSerializer):
    """Everything optional but the external id; a new asset also needs name, type and owner."""

    external_id = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=200, required=False)
    asset_type = serializers.ChoiceField(choices=AssetType.choices, required=False)
    owner = MemberField(scope=OWN_SCOPE, required=False)

    class Meta(AssetSerializer.Meta):
        extra_kwargs = {
            f: {"required": False}
            for f in ASSET_FIELDS
            if f not in READ_ONLY and f not in ("external_id", "name", "asset_type", "owner")
        }


class AssetBulkSerializer(serializers.Serializer):
    assets = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)
    owner = MemberField(scope=OWN_SCOPE, required=False)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices, required=False)

    def validate(self, attrs):
        if not {"owner", "classification", "lifecycle"} & set(attrs):
            raise serializers.ValidationError("Give an owner, a classification or a lifecycle.")
        return attrs


class BulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class AssetDependencySerializer(serializers.ModelSerializer):
    asset = TenantRelatedField(model=Asset, help_text="The asset that depends.")
    depends_on = TenantRelatedField(model=Asset, help_text="What it depends on.")
    sentence = serializers.SerializerMethodField()

    class Meta:
        model = AssetDependency
        fields = ["id", "asset", "depends_on", "kind", "note", "sentence", "created"]
        read_only_fields = ["id", "sentence", "created"]

    def get_sentence(self, dependency) -> str:
        return dependency.sentence()

    def create(self, validated_data):
        return services.dependency_add(actor=request_actor(self), **validated_data)


class EvaluationSerializer(serializers.ModelSerializer):
    asset = TenantRelatedField(model=Asset)
    recorded_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ResponsibleAIEvaluation
        fields = [
            "id",
            "asset",
            "kind",
            "performed_on",
            "method",
            "result",
            "passed",
            "evidence",
            "recorded_by",
            "created",
        ]
        read_only_fields = ["id", "recorded_by", "created"]

    def create(self, validated_data):
        return services.evaluation_record(actor=request_actor(self), **validated_data)


class ShadowAIReportSerializer(serializers.ModelSerializer):
    """A reported AI tool in use, awaiting (or after) officers' triage."""

    used_by = serializers.CharField(
        source="reported_users",
        required=False,
        allow_blank=True,
        max_length=Asset._meta.get_field("reported_users").max_length,
    )
    purpose = serializers.CharField(source="intended_purpose")
    data_going_in = serializers.CharField(source="reported_data", required=False, allow_blank=True)
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), required=False
    )
    asset_type = serializers.ChoiceField(
        choices=AssetType.choices,
        default=AssetType.AI_SAAS_TOOL,
        help_text="One of the AI types; other assets are added in the register.",
    )
    reported_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Asset
        fields = [
            "id",
            "name",
            "asset_type",
            "used_by",
            "purpose",
            "data_going_in",
            "data_categories",
            "reported_by",
            "triage_status",
            "triage_reason",
            "owner",
            "created",
        ]
        read_only_fields = [
            "id",
            "reported_by",
            "triage_status",
            "triage_reason",
            "owner",
            "created",
        ]

    def create(self, validated_data):
        return services.shadow_ai_report(
            actor=request_actor(self),
            name=validated_data["name"],
            asset_type=validated_data.get("asset_type", AssetType.AI_SAAS_TOOL),
            used_by=validated_data.get("reported_users", ""),
            purpose=validated_data["intended_purpose"],
            data_going_in=validated_data.get("reported_data", ""),
            data_categories=validated_data.get("data_categories", []),
        )


class TriageAcceptSerializer(serializers.Serializer):
    owner = MemberField(scope=OWN_SCOPE)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)


class TriageDismissSerializer(serializers.Serializer):
    reason = serializers.CharField()
