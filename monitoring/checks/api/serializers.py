from __future__ import annotations

from rest_framework import serializers

from assets.models import Asset
from isms.api.serializers import MemberField, TenantRelatedField, request_actor
from monitoring.checks.models import (
    PUSHED_RESULTS,
    CheckRun,
    ControlEvidence,
    ControlTestResult,
    Metric,
    MetricPoint,
    MetricThreshold,
    MonitoringPlan,
    TestResult,
)
from risks.models import SoARow


class CheckRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckRun
        fields = [
            "id",
            "check_code",
            "status",
            "value",
            "threshold",
            "failing",
            "failing_count",
            "evidence",
            "controls",
            "ran_at",
        ]
        read_only_fields = fields


class MetricPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricPoint
        fields = [
            "id",
            "asset",
            "metric",
            "measured_at",
            "value",
            "source",
            "received_at",
            "pushed_by",
        ]
        read_only_fields = fields


class MetricPointInSerializer(serializers.Serializer):
    """Documentation of one pushed point (the service validates the batch itself, fast)."""

    asset = serializers.IntegerField(help_text="The id of an AI asset of this organisation.")
    metric = serializers.ChoiceField(choices=Metric.choices)
    measured_at = serializers.DateTimeField(help_text="ISO 8601 with a UTC offset.")
    value = serializers.FloatField()


class MetricBatchSerializer(serializers.Serializer):
    points = MetricPointInSerializer(many=True)
    source = serializers.CharField(required=False, allow_blank=True, max_length=100)


class MetricBatchResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Points already stored: skipped.")


class MetricThresholdSerializer(serializers.ModelSerializer):
    asset = TenantRelatedField(model=Asset)

    class Meta:
        model = MetricThreshold
        fields = ["id", "asset", "metric", "minimum", "maximum", "updated"]
        read_only_fields = ["id", "updated"]

    def create(self, validated_data):
        from monitoring.checks.services import metric_threshold_set

        return metric_threshold_set(actor=request_actor(self), **validated_data)

    def update(self, instance, validated_data):
        from monitoring.checks.services import metric_threshold_set

        data = {
            "asset": instance.asset,
            "metric": instance.metric,
            "minimum": instance.minimum,
            "maximum": instance.maximum,
            **validated_data,
        }
        if data["asset"] != instance.asset or data["metric"] != instance.metric:
            raise serializers.ValidationError({"metric": "Asset and metric cannot change."})
        return metric_threshold_set(actor=request_actor(self), **data)


class ControlTestResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ControlTestResult
        fields = [
            "id",
            "soa_row",
            "plan",
            "test_type",
            "result",
            "sample",
            "notes",
            "tester",
            "source",
            "idempotency_key",
            "evidence",
            "tested_at",
        ]
        read_only_fields = fields


class PushedResultSerializer(serializers.Serializer):
    control = serializers.CharField(help_text="framework:ref, e.g. iso27001-2022:8.5")
    result = serializers.ChoiceField(choices=PUSHED_RESULTS)
    idempotency_key = serializers.CharField(max_length=100)
    tested_at = serializers.DateTimeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class PushedBatchSerializer(serializers.Serializer):
    results = PushedResultSerializer(many=True)
    source = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ControlEvidenceSerializer(serializers.ModelSerializer):
    soa_row = TenantRelatedField(model=SoARow)
    check_run = TenantRelatedField(model=CheckRun, required=False, allow_null=True)
    owner = MemberField(required=False, allow_null=True)

    class Meta:
        model = ControlEvidence
        fields = [
            "id",
            "soa_row",
            "kind",
            "title",
            "file_name",
            "url",
            "check_run",
            "collected_on",
            "valid_until",
            "owner",
            "source",
            "created",
        ]
        read_only_fields = ["id", "file_name", "created"]

    def validate_kind(self, value):
        if value == ControlEvidence.Kind.FILE:
            raise serializers.ValidationError("Upload files in the browser; the API takes links.")
        return value

    def create(self, validated_data):
        from monitoring.checks.control_services import evidence_add

        return evidence_add(actor=request_actor(self), **validated_data)


class MonitoringPlanSerializer(serializers.ModelSerializer):
    soa_row = TenantRelatedField(model=SoARow)
    tester = MemberField()
    analyst = MemberField(required=False, allow_null=True)

    class Meta:
        model = MonitoringPlan
        fields = [
            "id",
            "soa_row",
            "measured",
            "method",
            "test_type",
            "interval_days",
            "next_due",
            "tester",
            "analyst",
            "analysis_when",
            "target",
            "tolerance",
        ]
        read_only_fields = ["id"]

    def create(self, validated_data):
        from monitoring.checks.control_services import plan_create

        return plan_create(actor=request_actor(self), **validated_data)


class ManualTestSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=TestResult.choices)
    sample = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
