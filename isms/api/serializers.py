"""Core serializers and the related fields every app uses for tenant references."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from isms.access import Actor
from isms.audit_display import redact
from isms.members import CANNOT_HOLD, NOT_A_MEMBER, active_members
from isms.models import (
    AIRole,
    AuditEvent,
    Control,
    ControlMapping,
    Framework,
    Membership,
    OrganizationProfile,
)

User = get_user_model()


def request_actor(serializer) -> Actor:
    """Who is writing: the request's actor, which the API's authentication puts in
    `request.auth` (a person's membership or an API key), for the services a serializer calls."""
    return serializer.context["request"].auth


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a tenant object: another organisation's id is 'does not exist'.

    The queryset is the model's tenant manager, evaluated when the input is validated, so
    the organisation in context decides what can be referenced.
    """

    default_error_messages = {
        "does_not_exist": "No {model_name} with id {pk_value} in this organisation.",
    }

    def __init__(self, model=None, **kwargs):
        if model is not None and "read_only" not in kwargs:
            kwargs.setdefault("queryset", model.objects)
        super().__init__(**kwargs)

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            kwargs["model_name"] = self.queryset.model._meta.verbose_name
        return super().fail(key, **kwargs)


class OptionalChoiceField(serializers.ChoiceField):
    """A read-only choice that may be unset (a blank model field): `null` in the response and
    nullable in the schema, never an `""` outside the documented enum."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs["allow_null"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value in ("", None):
            return None
        return super().to_representation(value)


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user who is an active member of the organisation in context (by user id): the API's
    member picker, with the rule of isms.members.

    With `scope` (an owner, a custodian, an assignee: `scope=OWN_SCOPE`), only members whose
    role carries it are accepted; an auditor's id is a 400 naming the field ("invalid"), in
    the words the forms and services use. Without it, every active member (an internal
    auditor, an approver whose own scope the service checks with its own message).
    """

    default_error_messages = {
        "does_not_exist": NOT_A_MEMBER.replace("{user_id}", "{pk_value}"),
        "cannot_hold": CANNOT_HOLD,
    }

    def __init__(self, *, scope: str | None = None, **kwargs):
        self.member_scope = scope
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return active_members(scope=self.member_scope)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            if self.member_scope is not None and self._is_other_member(data):
                self.fail("cannot_hold")
            raise

    def _is_other_member(self, data) -> bool:
        try:
            user_id = int(data)
        except (TypeError, ValueError):
            return False
        return active_members(scope=None).filter(pk=user_id).exists()


class UserSummarySerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "name"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "expires_at", "created"]


class AuditEventSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField(
        help_text="{column: [before, after]}; credential values (key and token hashes, "
        "prefixes) read '(hidden)'."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "table_name",
            "object_id",
            "action",
            "changes",
            "actor_id",
            "actor",
            "request_id",
            "occurred_at",
        ]

    def get_changes(self, event) -> dict:
        return redact(event.changes)


class AuditChainHeadSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    position = serializers.IntegerField()
    hash = serializers.CharField(help_text="SHA-256, hex")


class AuditChainBreakSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["changed", "deleted", "inserted"])
    event_id = serializers.IntegerField(
        allow_null=True, help_text="The event at fault, or the event after missing ones."
    )
    position = serializers.IntegerField(allow_null=True, help_text="Position in the chain.")
    detail = serializers.CharField()


class AuditChainVerificationSerializer(serializers.Serializer):
    """Documents `isms.audit_chain.ChainVerification.as_dict()` for the schema."""

    intact = serializers.BooleanField()
    events_checked = serializers.IntegerField()
    anchors_checked = serializers.IntegerField()
    head = AuditChainHeadSerializer(allow_null=True)
    first_broken_link = AuditChainBreakSerializer(allow_null=True)
    verified_at = serializers.DateTimeField()


class AuditFeedEventSerializer(AuditEventSerializer):
    """An event of the sync feed: its own name, since the feed's page (a cursor, no count)
    is not the trail list's page."""


class FrameworkSerializer(serializers.ModelSerializer):
    control_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Framework
        fields = ["id", "code", "name", "control_count"]


class ControlMappingSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.ref")
    source_framework = serializers.CharField(source="source.framework.code")
    target = serializers.CharField(source="target.ref")
    target_framework = serializers.CharField(source="target.framework.code")

    class Meta:
        model = ControlMapping
        fields = ["source", "source_framework", "target", "target_framework", "relation", "note"]


class ControlSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework.code")

    class Meta:
        model = Control
        fields = ["id", "framework", "ref", "group_code", "group", "title", "description"]


class ControlDetailSerializer(ControlSerializer):
    mappings = serializers.SerializerMethodField()

    class Meta(ControlSerializer.Meta):
        fields = [*ControlSerializer.Meta.fields, "mappings"]

    def get_mappings(self, control) -> list[dict]:
        rows = [*control.mappings_out.all(), *control.mappings_in.all()]
        return ControlMappingSerializer(rows, many=True).data


class OrganizationProfileSerializer(serializers.ModelSerializer):
    ai_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=AIRole.choices),
        required=False,
        help_text="ISO/IEC 42001 clause 4.1 roles: provider, producer, customer, partner.",
    )

    class Meta:
        model = OrganizationProfile
        fields = ["id", "legal_type", "ai_roles", "updated"]
        read_only_fields = ["id", "updated"]

    def update(self, instance, validated_data):
        from isms.services.profile import organization_profile_update

        return organization_profile_update(actor=request_actor(self), **validated_data)
