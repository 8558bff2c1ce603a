"""Policies in the API. Writes call policies.services; serializers only shape data."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from isms.access import OWN_SCOPE, addressable_roles
from isms.api.serializers import (
    MemberField,
    OptionalChoiceField,
    TenantRelatedField,
    UserSummarySerializer,
    request_actor,
)
from isms.models import Role
from policies import services
from policies.models import (
    POLICY_EDITABLE,
    Acknowledgement,
    AISection,
    Policy,
    PolicyKind,
    PolicyVersion,
)
from policies.rendering import render_markdown
from policies.starters import TEMPLATES
from policies.workflows import allowed_actions


class PolicyControlSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    framework = serializers.CharField()
    ref = serializers.CharField()
    title = serializers.CharField()


class PolicyControlsSerializer(serializers.Serializer):
    controls = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        allow_empty=True,
        max_length=500,
        help_text="Ids of library controls (GET …/controls/ of the control library).",
    )


class PolicySerializer(serializers.ModelSerializer):
    owner = MemberField(scope=OWN_SCOPE)
    audience_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=[(r, Role(r).label) for r in addressable_roles()]),
        required=False,
        help_text="Roles that must acknowledge (auditors are read-only and never asked).",
    )
    ai_sections = serializers.ListField(
        child=serializers.ChoiceField(choices=AISection.choices), required=False
    )
    missing_ai_sections = serializers.ListField(child=serializers.CharField(), read_only=True)
    latest_number = serializers.IntegerField(read_only=True, allow_null=True)
    latest_status = serializers.CharField(read_only=True, allow_null=True)
    published_number = serializers.IntegerField(read_only=True, allow_null=True)
    controls = serializers.SerializerMethodField(
        help_text="The library controls this policy implements (set with …/controls/)."
    )

    class Meta:
        model = Policy
        # The writable fields are the one declaration in policies.models; the rest is shown.
        fields = POLICY_EDITABLE.serializer_fields(
            "next_review_date",
            "missing_ai_sections",
            "latest_number",
            "latest_status",
            "published_number",
            "controls",
            "created",
            "updated",
        )
        read_only_fields = ["next_review_date", "created", "updated"]

    @extend_schema_field(PolicyControlSerializer(many=True))
    def get_controls(self, obj) -> list[dict]:
        return [
            {
                "id": link.control_id,
                "framework": link.control.framework.code,
                "ref": link.control.ref,
                "title": link.control.title,
            }
            for link in obj.control_links.all()
        ]

    def create(self, validated_data):
        return services.policy_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.policy_update(actor=request_actor(self), policy=instance, **validated_data)


class PolicyFromTemplateSerializer(serializers.Serializer):
    template = serializers.ChoiceField(choices=sorted(TEMPLATES))
    title = serializers.CharField(required=False, max_length=200)
    owner = MemberField(scope=OWN_SCOPE, required=False)


class PolicyVersionSerializer(serializers.ModelSerializer):
    policy = TenantRelatedField(model=Policy)
    document = serializers.FileField(
        required=False, write_only=True, help_text="A PDF or DOCX (multipart upload)."
    )
    template = serializers.ChoiceField(
        choices=sorted(TEMPLATES),
        required=False,
        write_only=True,
        help_text="On create: append this starter template's text (e.g. an AI section).",
    )
    body_html = serializers.SerializerMethodField()
    has_document = serializers.SerializerMethodField()
    document_type = OptionalChoiceField(
        choices=PolicyVersion.DocumentType.choices, help_text="Null when no file is attached."
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "policy",
            "number",
            "status",
            "body_markdown",
            "body_html",
            "document",
            "template",
            "has_document",
            "document_name",
            "document_type",
            "document_size",
            "change_summary",
            "content_sha256",
            "author",
            "created",
            "submitted_by",
            "submitted_at",
            "returned_by",
            "returned_at",
            "return_note",
            "approved_by",
            "approved_at",
            "published_by",
            "published_at",
            "superseded_by",
            "superseded_at",
            "retired_by",
            "retired_at",
            "allowed_actions",
        ]
        read_only_fields = [
            f
            for f in fields
            if f not in {"policy", "body_markdown", "document", "template", "change_summary"}
        ]
        extra_kwargs = {"body_markdown": {"required": False}}

    def get_body_html(self, version) -> str:
        return str(render_markdown(version.body_markdown))

    def get_has_document(self, version) -> bool:
        return bool(version.document)

    def get_allowed_actions(self, version) -> list[str]:
        return allowed_actions(request_actor(self), version)

    def create(self, validated_data):
        return services.version_create_draft(
            actor=request_actor(self),
            policy=validated_data["policy"],
            body_markdown=validated_data.get("body_markdown"),
            document=validated_data.get("document"),
            change_summary=validated_data.get("change_summary", ""),
            append_template=validated_data.get("template"),
        )

    def update(self, instance, validated_data):
        if "policy" in validated_data and validated_data["policy"].pk != instance.policy_id:
            raise serializers.ValidationError(
                {"policy": "A version cannot move to another policy."}
            )
        return services.version_update_draft(
            actor=request_actor(self),
            version=instance,
            body_markdown=validated_data.get("body_markdown"),
            document=validated_data.get("document"),
            change_summary=validated_data.get("change_summary"),
        )


class SubmitSerializer(serializers.Serializer):
    approver = MemberField(help_text="Who approves this version (not its author).")
    reviewers = MemberField(
        scope=OWN_SCOPE, many=True, required=False, help_text="Who reviews it (optional)."
    )


class ReturnToDraftSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="What needs to change.")


class DiffQuerySerializer(serializers.Serializer):
    against = TenantRelatedField(model=PolicyVersion, help_text="The version to compare with.")


class DiffRowSerializer(serializers.Serializer):
    change = serializers.ChoiceField(
        source="kind", choices=["equal", "replace", "delete", "insert"]
    )
    left_number = serializers.IntegerField(allow_null=True)
    left = serializers.CharField()
    right_number = serializers.IntegerField(allow_null=True)
    right = serializers.CharField()


class DiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField(help_text="Id of the older text (`against`).")
    to_version = serializers.IntegerField(help_text="Id of this version.")
    comparable = serializers.BooleanField(help_text="False when either version is a document.")
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    unified = serializers.CharField()
    side_by_side = DiffRowSerializer(many=True)


class AcknowledgementSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    policy = serializers.IntegerField(source="version.policy_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "version",
            "version_number",
            "policy",
            "user",
            "acknowledged_at",
            "ip_address",
        ]
        read_only_fields = fields


class AcknowledgementStatusSerializer(serializers.Serializer):
    audience_count = serializers.IntegerField()
    acknowledged_count = serializers.IntegerField()
    rate = serializers.IntegerField(help_text="Percent of the current audience, rounded down.")
    not_acknowledged = UserSummarySerializer(many=True)


class StarterTemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=PolicyKind.choices)
    summary = serializers.CharField()
    is_section = serializers.BooleanField(
        help_text="An AI section to add to an existing policy of this kind."
    )
    ai_sections = serializers.ListField(child=serializers.CharField())
    body = serializers.CharField()
