from __future__ import annotations

from django.db import transaction
from rest_framework import serializers

from isms.api.serializers import request_actor
from monitoring.engagements import services
from monitoring.engagements.models import Engagement, EvidenceAnswer, EvidenceRequest


class EngagementSerializer(serializers.ModelSerializer):
    """An audit engagement. Officers open one (its auditors invited by e-mail with the
    read-only, time-boxed role) and change it through monitoring.engagements.services; a
    PATCH names only what changes, and `auditor_emails`, when given, is the whole new list
    (new addresses invited, missing ones taken off the engagement)."""

    framework_codes = serializers.ListField(
        child=serializers.SlugField(max_length=40),
        allow_empty=False,
        help_text="The frameworks in scope (codes, e.g. iso27001-2022).",
    )
    auditors = serializers.SerializerMethodField()
    auditor_emails = serializers.ListField(
        child=serializers.EmailField(),
        write_only=True,
        required=False,
        help_text="The auditors' e-mail addresses (each is invited).",
    )

    class Meta:
        model = Engagement
        fields = [
            "id", "title", "audit_body", "framework_codes", "expires_at", "auditors",
            "auditor_emails",
        ]  # fmt: skip
        read_only_fields = ["id", "auditors"]

    def get_auditors(self, obj) -> list[str]:
        return [a.email for a in obj.auditors.all()]

    def create(self, data):
        return services.engagement_open(
            actor=request_actor(self),
            title=data["title"],
            framework_codes=data["framework_codes"],
            expires_at=data["expires_at"],
            audit_body=data.get("audit_body", ""),
            auditor_emails=data.get("auditor_emails", ()),
        )

    @transaction.atomic
    def update(self, engagement, data):
        emails = data.pop("auditor_emails", None)
        if data:
            services.engagement_update(
                actor=request_actor(self),
                engagement=engagement,
                title=data.get("title", engagement.title),
                framework_codes=data.get("framework_codes", engagement.framework_codes),
                expires_at=data.get("expires_at", engagement.expires_at),
                audit_body=data.get("audit_body", engagement.audit_body),
            )
        if emails is not None:
            wanted = {e.strip().lower() for e in emails}
            for auditor in engagement.auditors.all():
                if auditor.email not in wanted:
                    services.auditor_remove(actor=request_actor(self), auditor=auditor)
            present = set(engagement.auditors.values_list("email", flat=True))
            for email in sorted(wanted - present):
                services.auditor_invite(
                    actor=request_actor(self), engagement=engagement, email=email
                )
        return Engagement.objects.prefetch_related("auditors").get(pk=engagement.pk)


class EvidenceAnswerSerializer(serializers.ModelSerializer):
    answered_by = serializers.EmailField(
        source="answered_by.email", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = EvidenceAnswer
        fields = ["id", "note", "file_name", "sha256", "url", "answered_by", "created"]
        read_only_fields = fields


class EvidenceRequestSerializer(serializers.ModelSerializer):
    control = serializers.CharField(
        source="control.ref", default=None, allow_null=True, read_only=True
    )
    answers = EvidenceAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = EvidenceRequest
        fields = [
            "id",
            "engagement",
            "control",
            "sample",
            "question",
            "due_on",
            "status",
            "created",
            "answers",
        ]
        read_only_fields = fields
