from __future__ import annotations

from rest_framework import serializers

from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from monitoring.management import services
from monitoring.management.models import ManagementReview, ReviewOutput


class ManagementReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = ManagementReview
        fields = [
            "id",
            "title",
            "period_start",
            "period_end",
            "meeting_date",
            "attendees",
            "changes_in_issues",
            "interested_parties",
            "feedback",
            "inputs",
            "inputs_assembled_at",
            "minutes",
            "status",
            "prepared_by",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = [
            "inputs",
            "inputs_assembled_at",
            "status",
            "prepared_by",
            "approved_by",
            "approved_at",
        ]

    def create(self, validated_data):
        return services.review_create(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        return services.review_update(actor=request_actor(self), review=instance, **validated_data)


class ReviewOutputSerializer(serializers.ModelSerializer):
    review = TenantRelatedField(model=ManagementReview)
    owner = MemberField(required=False, allow_null=True)

    class Meta:
        model = ReviewOutput
        fields = ["id", "review", "kind", "description", "owner", "due_date", "state"]
        read_only_fields = ["state"]

    def create(self, validated_data):
        return services.output_add(actor=request_actor(self), **validated_data)


class OutputStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open", "done", "dropped"])
