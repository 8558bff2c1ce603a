from __future__ import annotations

from rest_framework import serializers

from assets.models import Asset
from isms.api.serializers import TenantRelatedField
from monitoring.checks.models import CheckRun, Metric, MetricPoint, MetricThreshold


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
        fields = ["id", "asset", "metric", "measured_at", "value", "source", "received_at"]
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

        return metric_threshold_set(actor=self.context["request"].auth, **validated_data)

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
        return metric_threshold_set(actor=self.context["request"].auth, **data)
