"""Forms of the incident pages (fields from services.EDITABLE_FIELDS)."""

from __future__ import annotations

from django import forms

from assets.models import Asset
from isms.choices import DataCategory
from isms.members import MemberChoiceField
from isms.pickers import PickerSelectMultiple
from monitoring.incidents.models import Incident, IncidentSettings
from suppliers.models import Supplier

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.ModelForm):
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        help_text="Affected systems; their model version is recorded as it is now.",
        widget=PickerSelectMultiple("assets"),
    )
    suppliers = forms.ModelMultipleChoiceField(
        queryset=Supplier.objects.none(),
        required=False,
        widget=PickerSelectMultiple("suppliers"),
    )
    data_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices, required=False, label="Data involved"
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "description",
            "category",
            "severity",
            "aware_at",
            "occurred_at",
            "data_categories",
            "personal_data_breach",
            "serious_incident",
            "nis2_significant",
        ]
        widgets = {
            "aware_at": DATETIME,
            "occurred_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = Asset.objects.order_by("name")
        self.fields["suppliers"].queryset = Supplier.objects.order_by("name")


class TriageForm(forms.Form):
    owner = MemberChoiceField(label="Handled by")
    severity = forms.ChoiceField(choices=Incident._meta.get_field("severity").choices)
    note = forms.CharField(required=False, label="Triage note")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ContainForm(forms.Form):
    containment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    lessons_learned = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Lessons learned"
    )


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Timeline entry")


class EvidenceForm(forms.Form):
    file = forms.FileField(label="Evidence file (PDF, PNG, JPEG, DOCX)")
    description = forms.CharField(required=False, max_length=300)


class ClockReportForm(forms.Form):
    recipient = forms.CharField(max_length=200, label="Sent to")
    reported_at = forms.DateTimeField(required=False, widget=DATETIME, label="Sent at (blank: now)")
    reference = forms.CharField(required=False, max_length=200)
    initial = forms.BooleanField(required=False, label="Initial, incomplete report")


class SettingsForm(forms.ModelForm):
    class Meta:
        model = IncidentSettings
        fields = ["time_zone", "nis2_in_scope", "eu_ai_act_deployer"]


class ConcernForm(forms.Form):
    """The public form: what happened, which system, how to reach them, one file."""

    system_name = forms.CharField(
        required=False, max_length=150, label="Which AI system or service? (optional)"
    )
    description = forms.CharField(
        max_length=5000, widget=forms.Textarea(attrs={"rows": 6}), label="What happened?"
    )
    contact = forms.CharField(
        required=False, max_length=200, label="How can we reach you? (optional)"
    )
    file = forms.FileField(
        required=False, label="Attach a screenshot or document (PDF, PNG, JPEG, DOCX; 10 MB)"
    )
