from django import forms

from isms.members import MemberChoiceField
from monitoring.management.models import ManagementReview, OutputKind

DATE = forms.DateInput(attrs={"type": "date"})


class ReviewForm(forms.ModelForm):
    class Meta:
        model = ManagementReview
        fields = [
            "title",
            "period_start",
            "period_end",
            "meeting_date",
            "attendees",
            "changes_in_issues",
            "interested_parties",
            "feedback",
            "minutes",
        ]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "meeting_date": DATE,
            **{
                f: forms.Textarea(attrs={"rows": 3})
                for f in ("attendees", "changes_in_issues", "interested_parties", "feedback")
            },
            "minutes": forms.Textarea(attrs={"rows": 6}),
        }


class OutputForm(forms.Form):
    kind = forms.ChoiceField(choices=OutputKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    owner = MemberChoiceField(required=False)
    due_date = forms.DateField(required=False, widget=DATE)


class EmptyForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False)
