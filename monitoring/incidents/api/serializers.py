from __future__ import annotations

from rest_framework import serializers

from assets.models import Asset
from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from monitoring.checks.models import CheckRun
from monitoring.incidents import services
from monitoring.incidents.models import (
    Incident,
    IncidentEvidence,
    ReportingClock,
    TimelineEntry,
)
from suppliers.models import Supplier


class ReportingClockSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingClock
        fields = [
            "id",
            "incident",
            "regime",
            "article",
            "due_at",
            "recipient",
            "initial_report_allowed",
            "initial_reported_at",
            "reported_at",
            "reference",
        ]
        read_only_fields = fields


class ClockReportSerializer(serializers.Serializer):
    recipient = serializers.CharField(max_length=200)
    reported_at = serializers.DateTimeField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, default="")
    initial = serializers.BooleanField(required=False, default=False)


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["id", "incident", "at", "kind", "text", "author_label"]
        read_only_fields = fields


class IncidentEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvidence
        fields = [
            "id",
            "incident",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "description",
            "uploaded_by_label",
            "created",
        ]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    assets = TenantRelatedField(model=Asset, many=True, required=False)
    suppliers = TenantRelatedField(model=Supplier, many=True, required=False)
    owner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    aware_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "description",
            "category",
            "severity",
            "status",
            "source",
            "aware_at",
            "occurred_at",
            "owner",
            "data_categories",
            "personal_data_breach",
            "serious_incident",
            "nis2_significant",
            "containment",
            "suspended",
            "lessons_learned",
            "check_run",
            "assets",
            "suppliers",
            "created",
            "updated",
        ]
        read_only_fields = [
            "status",
            "source",
            "owner",
            "suspended",
            "lessons_learned",
            "check_run",
            "created",
            "updated",
        ]

    def create(self, validated_data):
        actor = request_actor(self)
        return services.incident_report(actor=actor, **validated_data)

    def update(self, instance, validated_data):
        actor = request_actor(self)
        return services.incident_update(actor=actor, incident=instance, **validated_data)


class TriageSerializer(serializers.Serializer):
    owner = MemberField()
    severity = serializers.ChoiceField(
        choices=Incident._meta.get_field("severity").choices, required=False
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FromCheckRunSerializer(serializers.Serializer):
    """Raise the incident of a failing check run (idempotent: one incident per run)."""

    check_run = TenantRelatedField(model=CheckRun)
    nonconformity = serializers.BooleanField(
        default=False,
        help_text="Also raise a nonconformity (Clause 10.2) where the run evidences controls.",
    )
    nonconformity_owner = MemberField(
        required=False, help_text="Owner of the nonconformity (default: the caller)."
    )


class CloseSerializer(serializers.Serializer):
    lessons_learned = serializers.CharField(allow_blank=True)
