from __future__ import annotations

from django.db import transaction
from rest_framework import serializers

from isms.api.serializers import request_actor
from monitoring.packs import services
from monitoring.packs.models import FRAMEWORK_CHOICES, Cadence, EvidencePack, PackSchedule
from monitoring.packs.sections import SECTION_CHOICES


class EvidencePackSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidencePack
        fields = [
            "id", "reference", "frameworks", "sections", "as_of", "status", "sections_done",
            "sections_total", "failure_reason", "requested_at", "finished_at", "page_count",
            "pdf_sha256", "bundle_sha256", "signature", "public_key", "chain_head",
        ]  # fmt: skip
        read_only_fields = fields


class PackRequestSerializer(serializers.Serializer):
    frameworks = serializers.ListField(
        child=serializers.ChoiceField(choices=FRAMEWORK_CHOICES), allow_empty=False
    )
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=SECTION_CHOICES), allow_empty=False
    )
    as_of = serializers.DateTimeField(required=False, allow_null=True)


class VerifyRequestSerializer(serializers.Serializer):
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of a PDF or ZIP.")


class VerifyAnswerSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    known = serializers.BooleanField(help_text="Did this organisation generate this file?")
    pack = serializers.CharField(required=False)
    kind = serializers.CharField(required=False)
    as_of = serializers.DateTimeField(required=False)
    generated_at = serializers.DateTimeField(required=False)
    public_key = serializers.CharField(required=False)
    signature = serializers.CharField(required=False)
    signature_valid = serializers.BooleanField(required=False)


class PackScheduleSerializer(serializers.ModelSerializer):
    """A scheduled pack. Writes go through monitoring.packs.services (the same checks as the
    form): a PATCH names only what changes; `active: false` pauses, `true` resumes."""

    frameworks = serializers.ListField(
        child=serializers.ChoiceField(choices=FRAMEWORK_CHOICES), allow_empty=False
    )
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=SECTION_CHOICES), allow_empty=False
    )
    every_months = serializers.ChoiceField(
        choices=Cadence.choices, default=Cadence.MONTHLY, help_text="1 monthly, 3 quarterly."
    )
    next_due = serializers.DateTimeField(
        required=False, help_text="The as-of moment of the next pack (default: now)."
    )
    active = serializers.BooleanField(required=False, default=True)
    created_by = serializers.EmailField(
        source="created_by.email", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = PackSchedule
        fields = [
            "id", "frameworks", "sections", "every_months", "next_due", "active", "created_by",
            "created",
        ]  # fmt: skip
        read_only_fields = ["id", "created_by", "created"]

    @transaction.atomic
    def create(self, data):
        active = data.pop("active", True)
        schedule = services.schedule_create(actor=request_actor(self), **data)
        if not active:
            services.schedule_set_active(actor=request_actor(self), schedule=schedule, active=False)
        return schedule

    @transaction.atomic
    def update(self, schedule, data):
        active = data.pop("active", None)
        if data:
            services.schedule_update(
                actor=request_actor(self),
                schedule=schedule,
                frameworks=data.get("frameworks", schedule.frameworks),
                sections=data.get("sections", schedule.sections),
                every_months=data.get("every_months", schedule.every_months),
                next_due=data.get("next_due", schedule.next_due),
            )
        if active is not None and active != schedule.active:
            services.schedule_set_active(
                actor=request_actor(self), schedule=schedule, active=active
            )
        return schedule
