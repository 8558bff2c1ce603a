"""Clause 9.1 records: automated check runs, and the AI metrics integrations push.

A `CheckRun` is the result of one check type for one organisation at one moment. It is
evidence, so it is immutable: a database trigger (migration 0002) refuses every UPDATE and
DELETE, whatever the path (service, API, admin, raw SQL).

`MetricPoint` is one measurement of one AI asset (idempotent by asset, metric and time: a
unique index, so a pipeline retrying a batch stores nothing twice). `MetricThreshold` says
what is acceptable per asset and metric; the `ai_metric_thresholds` check judges the latest
point of each pair against it.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from isms.tenancy import TenantModel


class CheckStatus(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"


class CheckRun(TenantModel):
    check_code = models.CharField("Check", max_length=60)
    status = models.CharField(max_length=5, choices=CheckStatus.choices)
    value = models.FloatField(null=True, blank=True, help_text="What was measured.")
    threshold = models.FloatField(null=True, blank=True, help_text="What passes.")
    failing = models.JSONField(
        default=list, blank=True, help_text="The objects that fail: [{type, id, label}]."
    )
    failing_count = models.PositiveIntegerField(default=0)
    evidence = models.TextField(blank=True, help_text="How the result was computed.")
    controls = ArrayField(
        models.CharField(max_length=40),
        default=list,
        help_text="The controls this run evidences, as 'framework:ref'.",
    )
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-ran_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "check_code", "-ran_at"]),
            models.Index(fields=["organization", "-ran_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.check_code} {self.status} at {self.ran_at:%Y-%m-%d %H:%M}"


class Metric(models.TextChoices):
    ACCURACY_DELTA = "accuracy_delta", "Accuracy against baseline (points)"
    DRIFT = "drift", "Data or prediction drift"
    FAIRNESS_GAP = "fairness_gap", "Fairness gap between groups"
    HUMAN_OVERRIDE_RATE = "human_override_rate", "Human override rate"
    INJECTION_BLOCKED = "injection_blocked", "Prompt-injection attempts blocked"
    INJECTION_SUCCEEDED = "injection_succeeded", "Prompt-injection attempts that succeeded"
    DLP_HITS = "dlp_hits", "Data-leak prevention hits"


class MetricPoint(TenantModel):
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    measured_at = models.DateTimeField()
    value = models.FloatField()
    source = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-measured_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset", "metric", "measured_at"],
                name="metricpoint_unique_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric}={self.value} at {self.measured_at:%Y-%m-%d %H:%M}"


class MetricThreshold(TenantModel):
    """What is acceptable for one metric of one AI asset: a bound below, above, or both."""

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["asset_id", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset", "metric"], name="metricthreshold_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(minimum__isnull=False) | models.Q(maximum__isnull=False),
                name="metricthreshold_has_bound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} threshold"

    def breached_by(self, value: float) -> bool:
        return (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        )
