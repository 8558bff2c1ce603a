"""Forms of a control's monitoring page: evidence, a monitoring-plan item, a test result."""

from __future__ import annotations

from django import forms

from isms.members import MemberChoiceField
from monitoring.checks.models import ControlEvidence, TestResult, TestType

DATE = forms.DateInput(attrs={"type": "date"})


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(
        label="Evidence is",
        choices=[
            (ControlEvidence.Kind.FILE, "A file (upload it below)"),
            (ControlEvidence.Kind.LINK, "A link (give it below)"),
        ],
    )
    title = forms.CharField(max_length=200, help_text="What it shows, e.g. “MFA report, Q3”.")
    file = forms.FileField(label="File", required=False, help_text="For a file.")
    url = forms.URLField(
        label="Link", required=False, max_length=500, assume_scheme="https", help_text="For a link."
    )
    collected_on = forms.DateField(label="Collected on", widget=DATE)
    valid_until = forms.DateField(
        label="Valid until",
        required=False,
        widget=DATE,
        help_text="After this date the evidence no longer counts; its owner is reminded before.",
    )
    owner = MemberChoiceField(help_text="Who keeps this evidence current.")
    source = forms.CharField(
        max_length=100, required=False, help_text="Where it came from (a system, a report)."
    )


class MonitoringPlanForm(forms.Form):
    """Clause 9.1 b)-f): what, how, when, who measures, who analyses and when, target."""

    measured = forms.CharField(label="What is measured", max_length=300)
    method = forms.CharField(
        label="Method", widget=forms.Textarea(attrs={"rows": 3}), help_text="How it is tested."
    )
    test_type = forms.ChoiceField(label="Kind of test", choices=TestType.choices)
    interval_days = forms.IntegerField(label="Every (days)", min_value=1, max_value=730)
    next_due = forms.DateField(label="Next test due", widget=DATE)
    tester = MemberChoiceField(
        label="Who measures (tester)",
        help_text="Must not be the control's owner: a control is tested independently.",
    )
    analyst = MemberChoiceField(label="Who analyses", required=False)
    analysis_when = forms.CharField(
        label="When analysed", max_length=200, required=False, help_text="E.g. “within 5 days”."
    )
    target = forms.CharField(max_length=200, required=False, help_text="What good looks like.")
    tolerance = forms.CharField(
        max_length=200, required=False, help_text="How far from the target is still acceptable."
    )


class ControlTestForm(forms.Form):
    result = forms.ChoiceField(choices=[("", "—"), *TestResult.choices])
    sample = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What was examined, e.g. “25 of 310 leaver tickets, Q3”.",
    )
    notes = forms.CharField(
        label="Findings", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = forms.ModelChoiceField(
        queryset=ControlEvidence.objects.none(),
        required=False,
        empty_label="No evidence attached",
        help_text="Evidence of this control that supports the result (add it first if missing).",
    )

    def __init__(self, *args, soa_row=None, **kwargs):
        super().__init__(*args, **kwargs)
        if soa_row is not None:
            self.fields["evidence"].queryset = ControlEvidence.objects.filter(soa_row=soa_row)
