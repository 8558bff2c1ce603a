from django import forms

from isms.members import MemberChoiceField
from monitoring.context.models import ContextIssue, InterestedParty, Objective, ScopeStatement

DATE = forms.DateInput(attrs={"type": "date"})


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class IssueForm(forms.ModelForm):
    class Meta:
        model = ContextIssue
        fields = ["kind", "topic", "title", "description", "response"]
        widgets = {"description": _rows(3), "response": _rows(3)}


class PartyForm(forms.ModelForm):
    class Meta:
        model = InterestedParty
        fields = ["name", "requirements", "addressed", "how_addressed"]
        widgets = {"requirements": _rows(3), "how_addressed": _rows(2)}


class ScopeForm(forms.ModelForm):
    class Meta:
        model = ScopeStatement
        fields = ["statement", "boundaries", "interfaces", "exclusions"]
        widgets = {f: _rows(4) for f in fields}


class ObjectiveForm(forms.ModelForm):
    owner = MemberChoiceField()

    class Meta:
        model = Objective
        fields = [
            "title",
            "measure",
            "direction",
            "target",
            "unit",
            "owner",
            "due_date",
            "clauses",
            "measure_every_days",
        ]
        widgets = {"due_date": DATE}


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(widget=DATE)
    value = forms.DecimalField(max_digits=12, decimal_places=2)
    note = forms.CharField(required=False, max_length=300)


class EmptyForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False)
