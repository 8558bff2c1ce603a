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

from django.conf import settings
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
    # Who pushed it (the API key's prefix and name, or the member): inserts of points are not
    # copied into the audit trail (isms.db_security), so each point carries its own record.
    pushed_by = models.CharField(max_length=200, blank=True, editable=False)

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


def evidence_path(instance: ControlEvidence, filename: str) -> str:
    from isms.uploads import storage_name

    return storage_name(instance.organization_id, "monitoring/evidence", filename)


class ControlEvidence(TenantModel):
    """What proves a control works, as of when: a file, a link or a check run, attached to
    the control's SoA row, with who collected it, from where, and until when it holds."""

    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"
        CHECK_RUN = "check_run", "Check run"

    soa_row = models.ForeignKey("risks.SoARow", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=evidence_path, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=500, blank=True)
    check_run = models.ForeignKey(
        CheckRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    collected_on = models.DateField(default=timezone.localdate)
    valid_until = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    source = models.CharField(max_length=100, blank=True, help_text="Where it came from.")
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-collected_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "soa_row"]),
            models.Index(fields=["organization", "valid_until"]),
        ]

    def __str__(self) -> str:
        return self.title


class TestType(models.TextChoices):
    DESIGN = "design", "Design test"
    OPERATING = "operating", "Operating-effectiveness test"


class MonitoringPlan(TenantModel):
    """Clause 9.1 for one control: what is measured, how, when, who measures, who analyses
    and when, target and tolerance; and the manual test it schedules (tester independent of
    the control's owner: a policy rule)."""

    soa_row = models.ForeignKey("risks.SoARow", on_delete=models.CASCADE, related_name="+")
    measured = models.CharField("What is measured", max_length=300)
    method = models.TextField("Method")
    test_type = models.CharField(
        max_length=10, choices=TestType.choices, default=TestType.OPERATING
    )
    interval_days = models.PositiveIntegerField("Every (days)", default=90)
    next_due = models.DateField()
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="Who measures",
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="Who analyses",
    )
    analysis_when = models.CharField("When analysed", max_length=200, blank=True)
    target = models.CharField(max_length=200, blank=True)
    tolerance = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["next_due", "id"]
        indexes = [models.Index(fields=["organization", "next_due"])]

    def __str__(self) -> str:
        return self.measured


class TestResult(models.TextChoices):
    EFFECTIVE = "effective", "Effective"
    PARTIAL = "partial", "Partially effective"
    INEFFECTIVE = "ineffective", "Ineffective"


PUSHED_RESULTS = ["pass", "fail", *TestResult.values]  # what an integration may post


class ControlTestResult(TenantModel):
    """One control test: manual (by the plan's tester) or pushed by an integration (a scanner
    posts "MFA enforced: pass"), idempotent by its key. Immutable (migration trigger)."""

    soa_row = models.ForeignKey("risks.SoARow", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        MonitoringPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    test_type = models.CharField(
        max_length=10, choices=TestType.choices, default=TestType.OPERATING
    )
    result = models.CharField(max_length=12, choices=TestResult.choices)
    sample = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    evidence = models.ForeignKey(
        ControlEvidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-tested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="controltestresult_unique_key"
            )
        ]
        indexes = [models.Index(fields=["organization", "soa_row", "-tested_at"])]

    def __str__(self) -> str:
        return f"{self.get_result_display()} at {self.tested_at:%Y-%m-%d}"


class PortfolioFigures(models.Model):
    """One organisation's key figures for the portfolio page, computed inside its own tenant
    context (monitoring.checks.portfolio.figures_refresh) and read across organisations.

    Deliberately not a TenantModel: row-level security allows one organisation per
    transaction, so a page listing ten organisations' figures in a constant number of
    queries cannot read their registers directly. This table holds only counts (no names,
    no records); the portfolio reads it for the organisations where the signed-in user has
    an active membership, and nothing else reads it.
    """

    organization = models.OneToOneField(
        "isms.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "portfolio figures"

    def __str__(self) -> str:
        return f"portfolio figures of organisation {self.organization_id}"
