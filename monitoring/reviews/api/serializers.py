from rest_framework import serializers

from isms.api.serializers import MemberField, OptionalChoiceField, TenantRelatedField, request_actor
from monitoring.reviews import checklist
from monitoring.reviews.models import AIReview, Outcome, ReviewSchedule


class ReviewScheduleSerializer(serializers.ModelSerializer):
    reviewer = MemberField(allow_null=True, required=False)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ReviewSchedule
        fields = [
            "id",
            "subject_type",
            "object_id",
            "title",
            "interval_months",
            "next_due",
            "reviewer",
            "last_reviewed_on",
            "active",
            "overdue",
            "created",
            "updated",
        ]
        read_only_fields = [
            "id",
            "subject_type",
            "object_id",
            "title",
            "last_reviewed_on",
            "active",
            "created",
            "updated",
        ]

    def get_overdue(self, obj) -> bool:
        from monitoring.reviews.selectors import is_overdue

        return is_overdue(obj)

    def update(self, instance, validated_data):
        from monitoring.reviews.services import schedule_update

        return schedule_update(
            actor=request_actor(self),
            schedule=instance,
            interval_months=validated_data.get("interval_months", instance.interval_months),
            next_due=validated_data.get("next_due", instance.next_due),
            reviewer=validated_data.get("reviewer", instance.reviewer),
        )


class ChecklistAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["", *checklist.ANSWERS], allow_blank=True)
    note = serializers.CharField(allow_blank=True, required=False, default="")
    computed = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)


class AIReviewSerializer(serializers.ModelSerializer):
    schedule = TenantRelatedField(model=ReviewSchedule)
    answers = serializers.DictField(child=ChecklistAnswerSerializer(), read_only=True)
    outcome = OptionalChoiceField(
        choices=Outcome.choices, help_text="Null until the review is signed off."
    )

    class Meta:
        model = AIReview
        fields = [
            "id",
            "schedule",
            "asset",
            "status",
            "answers",
            "outcome",
            "outcome_note",
            "change_request",
            "started_by",
            "signed_off_by",
            "signed_off_at",
            "created",
            "updated",
        ]
        read_only_fields = [
            "id",
            "asset",
            "status",
            "answers",
            "outcome",
            "outcome_note",
            "change_request",
            "started_by",
            "signed_off_by",
            "signed_off_at",
            "created",
            "updated",
        ]

    def create(self, validated_data):
        from monitoring.reviews.services import review_start

        return review_start(actor=request_actor(self), schedule=validated_data["schedule"])


class AIReviewAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(child=ChecklistAnswerSerializer(), required=False)
    outcome = serializers.ChoiceField(choices=["", *Outcome.values], required=False)
    outcome_note = serializers.CharField(allow_blank=True, required=False)


class SignOffSerializer(serializers.Serializer):
    approver = MemberField(
        allow_null=True,
        required=False,
        help_text="For the outcome change: who approves the AI change request.",
    )
