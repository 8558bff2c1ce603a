from django import forms

from isms.members import MemberChoiceField
from monitoring.reviews import checklist
from monitoring.reviews.models import Outcome, ReviewSettings

ANSWER_CHOICES = [("", "—"), *checklist.ANSWERS.items()]


class ScheduleForm(forms.Form):
    interval_months = forms.IntegerField(label="Every (months)", min_value=1, max_value=60)
    next_due = forms.DateField(label="Next due", widget=forms.DateInput(attrs={"type": "date"}))
    reviewer = MemberChoiceField(
        required=False, help_text="Empty: the compliance officers are reminded."
    )


class ReviewForm(forms.Form):
    """One answer and one note per checklist item, the outcome, and (for a change) the
    approver of the AI change request it opens."""

    outcome = forms.ChoiceField(choices=[("", "—"), *Outcome.choices], required=False)
    outcome_note = forms.CharField(
        label="Outcome note", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    approver = MemberChoiceField(
        scope="risks:approve",
        required=False,
        label="Approver of the change request",
        help_text="Only for the outcome “change”: who approves the AI change request.",
    )

    def __init__(self, *args, review=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers = review.answers if review is not None else {}
        for item in checklist.ITEMS:
            current = answers.get(item.key, {})
            self.fields[f"{item.key}__answer"] = forms.ChoiceField(
                label=item.question,
                choices=ANSWER_CHOICES,
                required=False,
                initial=current.get("answer", ""),
            )
            self.fields[f"{item.key}__note"] = forms.CharField(
                label="Note",
                required=False,
                initial=current.get("note", ""),
                widget=forms.TextInput(attrs={"placeholder": "Note (required for “no”)"}),
            )
        if review is not None:
            self.fields["outcome"].initial = review.outcome
            self.fields["outcome_note"].initial = review.outcome_note

    def answers(self) -> dict:
        return {
            item.key: {
                "answer": self.cleaned_data.get(f"{item.key}__answer", ""),
                "note": self.cleaned_data.get(f"{item.key}__note", ""),
            }
            for item in checklist.ITEMS
        }


class ReviewSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = [
            f.name for f in ReviewSettings._meta.concrete_fields if f.name.endswith("_months")
        ]
