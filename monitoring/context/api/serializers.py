from __future__ import annotations

from rest_framework import serializers

from isms.api.serializers import MemberField, request_actor
from monitoring.context import selectors, services
from monitoring.context.models import (
    ContextIssue,
    InterestedParty,
    Objective,
    ObjectiveMeasurement,
    ScopeStatement,
)


class ContextIssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContextIssue
        fields = ["id", *services.ISSUE_FIELDS]

    def create(self, validated_data):
        return services.issue_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.issue_update(actor=request_actor(self), issue=instance, **validated_data)


class InterestedPartySerializer(serializers.ModelSerializer):
    class Meta:
        model = InterestedParty
        fields = ["id", *services.PARTY_FIELDS]
        validators = []  # uniqueness per organisation: the service answers with a 409

    def create(self, validated_data):
        return services.party_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.party_update(actor=request_actor(self), party=instance, **validated_data)


class ScopeStatementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScopeStatement
        fields = [
            "id",
            "number",
            *services.SCOPE_FIELDS,
            "status",
            "prepared_by",
            "submitted_at",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "prepared_by",
            "submitted_at",
            "approved_by",
            "approved_at",
        ]

    def create(self, validated_data):
        return services.scope_draft(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.scope_update(actor=request_actor(self), scope=instance, **validated_data)


class ObjectiveMeasurementSerializer(serializers.ModelSerializer):
    on_target = serializers.SerializerMethodField()

    class Meta:
        model = ObjectiveMeasurement
        fields = ["id", "objective", "measured_on", "value", "note", "recorded_by", "on_target"]
        read_only_fields = ["objective", "recorded_by"]

    def get_on_target(self, obj) -> bool:
        return obj.on_target


class MeasurementInputSerializer(serializers.Serializer):
    measured_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ObjectiveSerializer(serializers.ModelSerializer):
    owner = MemberField()
    status = serializers.SerializerMethodField()
    latest_value = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = ["id", *services.OBJECTIVE_FIELDS, "status", "latest_value"]

    def _latest(self, obj):
        measurements = sorted(
            obj.measurements.all(), key=lambda m: (m.measured_on, m.pk), reverse=True
        )
        return measurements[0] if measurements else None

    def get_status(self, obj) -> str:
        """on_target, off_target or not_measured, by the latest measurement."""
        return selectors.objective_status(obj, self._latest(obj)).key

    def get_latest_value(self, obj) -> str | None:
        latest = self._latest(obj)
        return None if latest is None else str(latest.value)

    def create(self, validated_data):
        return services.objective_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.objective_update(
            actor=request_actor(self), objective=instance, **validated_data
        )
