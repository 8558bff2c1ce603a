from __future__ import annotations

from django import forms

from monitoring.packs.models import FRAMEWORK_CHOICES, Cadence
from monitoring.packs.sections import SECTION_CHOICES


class PackRequestForm(forms.Form):
    frameworks = forms.MultipleChoiceField(
        choices=FRAMEWORK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[code for code, _ in FRAMEWORK_CHOICES],
    )
    sections = forms.MultipleChoiceField(
        choices=SECTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[key for key, _ in SECTION_CHOICES],
    )
    as_of = forms.DateTimeField(
        label="As of",
        required=False,
        help_text="Leave empty for now. Records created after this moment are left out.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class VerifyForm(forms.Form):
    file = forms.FileField(required=False, help_text="A pack's PDF or ZIP.")
    sha256 = forms.CharField(required=False, max_length=64, label="or its SHA-256")


class PackScheduleForm(forms.Form):
    """One declaration of a schedule's fields: the create and edit pages share it, and its
    names are the service's keyword arguments."""

    frameworks = forms.MultipleChoiceField(
        choices=FRAMEWORK_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[code for code, _ in FRAMEWORK_CHOICES],
    )
    sections = forms.MultipleChoiceField(
        choices=SECTION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[key for key, _ in SECTION_CHOICES],
    )
    every_months = forms.TypedChoiceField(
        label="Cadence", choices=Cadence.choices, coerce=int, initial=Cadence.MONTHLY
    )
    next_due = forms.DateTimeField(
        label="Next run",
        help_text="The as-of moment of the next pack; later ones follow a month or a quarter"
        " after it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    @classmethod
    def initial_for(cls, schedule) -> dict:
        return {name: getattr(schedule, name) for name in cls.base_fields}
