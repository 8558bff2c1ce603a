from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from monitoring.competence import services
from monitoring.competence.models import (
    CompetenceRequirement,
    ResponsibilityAssignment,
    TrainingRecord,
)


class CompetenceRequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetenceRequirement
        fields = ["id", *services.REQUIREMENT_FIELDS]
        validators = []  # uniqueness per organisation: the service answers with a 409

    def create(self, validated_data):
        return services.requirement_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.requirement_update(
            actor=request_actor(self), requirement=instance, **validated_data
        )


class ResponsibilityAssignmentSerializer(serializers.ModelSerializer):
    member = MemberField()

    class Meta:
        model = ResponsibilityAssignment
        fields = ["id", *services.ASSIGNMENT_FIELDS]
        validators = []

    def create(self, validated_data):
        return services.assignment_create(actor=request_actor(self), **validated_data)


class TrainingRecordSerializer(serializers.ModelSerializer):
    """Evidence by link through the API; an evidence file is uploaded in the browser and
    downloaded from `evidence_file_url`."""

    member = MemberField()
    requirement = TenantRelatedField(CompetenceRequirement, required=False, allow_null=True)
    evidence_file_url = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRecord
        fields = ["id", *services.RECORD_FIELDS, "evidence_file_url", "recorded_by"]
        read_only_fields = ["recorded_by"]

    def get_evidence_file_url(self, obj) -> str | None:
        if not obj.evidence_file:
            return None
        return reverse("training_evidence", args=[obj.organization.slug, obj.pk])

    def create(self, validated_data):
        return services.record_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.record_update(actor=request_actor(self), record=instance, **validated_data)
