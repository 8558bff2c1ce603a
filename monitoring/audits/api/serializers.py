from __future__ import annotations

from rest_framework import serializers

from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from monitoring.audits import services
from monitoring.audits.models import CLAUSES, Audit, AuditFinding, AuditProgramme


class AuditProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditProgramme
        fields = ["id", "title", "start_year", "end_year", "created"]
        read_only_fields = ["created"]

    def create(self, validated_data):
        return services.programme_create(actor=request_actor(self), **validated_data)


class AuditSerializer(serializers.ModelSerializer):
    auditor = MemberField()
    clauses = serializers.ListField(child=serializers.ChoiceField(choices=CLAUSES), required=False)
    control_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    asset_ids = serializers.ListField(child=serializers.IntegerField(), required=False)

    class Meta:
        model = Audit
        fields = [
            "id",
            "programme",
            "title",
            "clauses",
            "control_ids",
            "asset_ids",
            "criteria",
            "plan",
            "planned_start",
            "planned_end",
            "auditor",
            "checklist",
            "sampled_evidence",
            "status",
            "report",
            "reported_at",
        ]
        read_only_fields = ["programme", "status", "report", "reported_at"]

    def update(self, instance, validated_data):
        return services.audit_update(actor=request_actor(self), audit=instance, **validated_data)


class AuditCreateSerializer(AuditSerializer):
    programme = TenantRelatedField(model=AuditProgramme)

    class Meta(AuditSerializer.Meta):
        read_only_fields = ["status", "report", "reported_at"]

    def update(self, instance, validated_data):
        programme = validated_data.pop("programme", instance.programme)
        if programme != instance.programme:
            raise serializers.ValidationError({"programme": "An audit stays in its programme."})
        return super().update(instance, validated_data)

    def create(self, validated_data):
        programme = validated_data.pop("programme")
        return services.audit_plan(actor=request_actor(self), programme=programme, **validated_data)


class AuditFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditFinding
        fields = ["id", "audit", "kind", "description", "evidence", "nonconformity", "created"]
        read_only_fields = fields
