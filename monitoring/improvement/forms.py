from django import forms

from isms.members import MemberChoiceField
from monitoring.improvement.models import ImprovementEntry, Nonconformity


class NonconformityForm(forms.ModelForm):
    owner = MemberChoiceField()

    class Meta:
        model = Nonconformity
        fields = [
            "title",
            "description",
            "source",
            "source_reference",
            "owner",
            "correction",
            "root_cause",
            "could_occur_elsewhere",
            "management_system_change",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in (
                "description",
                "correction",
                "root_cause",
                "could_occur_elsewhere",
                "management_system_change",
            )
        }


class NonconformityEditForm(NonconformityForm):
    class Meta(NonconformityForm.Meta):
        fields = [f for f in NonconformityForm.Meta.fields if f != "source"]


class ActionForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    owner = MemberChoiceField(label="Action owner")
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ImprovementForm(forms.ModelForm):
    owner = MemberChoiceField(required=False)

    class Meta:
        model = ImprovementEntry
        fields = ["title", "description", "source", "owner", "status", "outcome"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }
