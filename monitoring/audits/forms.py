from django import forms

from assets.models import Asset
from isms.members import MemberChoiceField
from isms.models import Control
from isms.pickers import PickerSelectMultiple
from monitoring.audits.models import CLAUSES, AuditFinding, AuditProgramme

DATE = forms.DateInput(attrs={"type": "date"})


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = AuditProgramme
        fields = ["title", "start_year", "end_year"]


class AuditForm(forms.Form):
    title = forms.CharField(max_length=200)
    clauses = forms.MultipleChoiceField(choices=CLAUSES, required=False, label="Clauses in scope")
    controls = forms.ModelMultipleChoiceField(
        queryset=Control.objects.select_related("framework"),
        required=False,
        label="Controls in scope",
        widget=PickerSelectMultiple("controls"),
    )
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label="Assets in scope",
        widget=PickerSelectMultiple("assets"),
    )
    criteria = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    planned_start = forms.DateField(widget=DATE)
    planned_end = forms.DateField(widget=DATE)
    auditor = MemberChoiceField(scope=None)
    checklist = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="One question per line."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = Asset.objects.order_by("name")

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["control_ids"] = [c.pk for c in data.pop("controls")]
        data["asset_ids"] = [a.pk for a in data.pop("assets")]
        return data


class FindingForm(forms.ModelForm):
    class Meta:
        model = AuditFinding
        fields = ["kind", "description", "evidence"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }


class ReportForm(forms.Form):
    report = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class EmptyForm(forms.Form):
    pass
