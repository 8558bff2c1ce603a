from __future__ import annotations

from rest_framework import serializers

from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from monitoring.improvement import services
from monitoring.improvement.models import CorrectiveAction, ImprovementEntry, Nonconformity
from monitoring.incidents.models import Incident


class NonconformitySerializer(serializers.ModelSerializer):
    owner = MemberField()
    source_incident = TenantRelatedField(model=Incident, required=False, allow_null=True)

    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "title",
            "description",
            "source",
            "source_incident",
            "source_reference",
            "correction",
            "root_cause",
            "could_occur_elsewhere",
            "management_system_change",
            "owner",
            "status",
            "raised_at",
            "closed_at",
        ]
        read_only_fields = ["status", "raised_at", "closed_at"]

    def create(self, validated_data):
        actor = request_actor(self)
        return services.nonconformity_raise(actor=actor, **validated_data)

    def update(self, instance, validated_data):
        actor = request_actor(self)
        validated_data.pop("source", None)
        if "source_incident" in validated_data:
            raise serializers.ValidationError(
                {"source_incident": "The source of a nonconformity does not change."}
            )
        return services.nonconformity_update(actor=actor, nonconformity=instance, **validated_data)


class CorrectiveActionSerializer(serializers.ModelSerializer):
    owner = MemberField()
    nonconformity = TenantRelatedField(model=Nonconformity)

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "nonconformity",
            "description",
            "owner",
            "due_date",
            "status",
            "completed_at",
            "verified_by",
            "verified_at",
            "verification_note",
        ]
        read_only_fields = [
            "status",
            "completed_at",
            "verified_by",
            "verified_at",
            "verification_note",
        ]

    def create(self, validated_data):
        actor = request_actor(self)
        return services.action_plan(actor=actor, **validated_data)

    def update(self, instance, validated_data):
        actor = request_actor(self)
        if (
            "nonconformity" in validated_data
            and validated_data["nonconformity"] != instance.nonconformity
        ):
            raise serializers.ValidationError(
                {"nonconformity": "An action stays with its nonconformity."}
            )
        validated_data.pop("nonconformity", None)
        return services.action_update(actor=actor, action=instance, **validated_data)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ImprovementEntrySerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)

    class Meta:
        model = ImprovementEntry
        fields = ["id", "title", "description", "source", "owner", "status", "outcome", "created"]
        read_only_fields = ["created"]

    def create(self, validated_data):
        actor = request_actor(self)
        return services.improvement_log(actor=actor, **validated_data)

    def update(self, instance, validated_data):
        actor = request_actor(self)
        return services.improvement_update(actor=actor, entry=instance, **validated_data)
