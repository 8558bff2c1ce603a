from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from isms.models import Control, Framework
from isms.uploads import EVIDENCE, accept

DATE = forms.DateInput(attrs={"type": "date"})
# How long an engagement lasts unless the officer says otherwise (a certification audit's
# stages and the findings' follow-up).
DEFAULT_DAYS = 90
# When an evidence request is due unless the auditor says otherwise.
REQUEST_DAYS = 14


def end_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def _emails(text: str) -> list[str]:
    found = []
    for line in (text or "").replace(",", "\n").splitlines():
        email = line.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(f"{email!r} is not an e-mail address.") from None
        if email not in found:
            found.append(email)
    return found


class EngagementForm(forms.Form):
    title = forms.CharField(max_length=200)
    audit_body = forms.CharField(max_length=200, required=False, label="Audit body")
    framework_codes = forms.MultipleChoiceField(
        label="Frameworks in scope", widget=forms.CheckboxSelectMultiple
    )
    expires_on = forms.DateField(
        widget=DATE,
        label="Access ends on",
        help_text="The auditors lose all access at the end of this day.",
    )
    auditor_emails = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Auditors' e-mail addresses",
        help_text="One per line; each gets an invitation with read-only access.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        frameworks = list(Framework.objects.values_list("code", "name"))
        self.fields["framework_codes"].choices = frameworks
        self.initial.setdefault("framework_codes", [code for code, _ in frameworks])
        self.initial.setdefault("expires_on", timezone.localdate() + timedelta(days=DEFAULT_DAYS))
        self.initial.setdefault("title", f"Certification audit {timezone.localdate().year}")

    def clean_auditor_emails(self):
        return _emails(self.cleaned_data["auditor_emails"])

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["expires_at"] = end_of_day(data.pop("expires_on"))
        return data


class EngagementEditForm(EngagementForm):
    """The engagement's own fields (auditors are added and removed on its page)."""

    def __init__(self, *args, engagement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        if engagement is not None:
            self.initial.update(
                title=engagement.title,
                audit_body=engagement.audit_body,
                framework_codes=engagement.framework_codes,
                expires_on=timezone.localtime(engagement.expires_at).date(),
            )
        del self.fields["auditor_emails"]
        self.fields[
            "expires_on"
        ].help_text = "Extend or bring forward; the auditors' access follows at once."

    def service_values(self) -> dict:
        """An end date left as it was keeps the engagement's exact end (the form shows days,
        an engagement may end at any moment, e.g. one brought forward by the API)."""
        unchanged = self.engagement is not None and self.cleaned_data["expires_on"] == (
            timezone.localtime(self.engagement.expires_at).date()
        )
        data = super().service_values()
        if unchanged:
            data["expires_at"] = self.engagement.expires_at
        return data

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if end_of_day(day) <= timezone.now():
            raise ValidationError(
                "The end must be in the future; to end the engagement now, use “End the"
                " engagement now” on its page."
            )
        return day


class ConfirmForm(forms.Form):
    """A bare POST (ending an engagement, removing an auditor): nothing to fill in."""


class InviteForm(forms.Form):
    email = forms.EmailField(label="Auditor's e-mail address")


class RequestForm(forms.Form):
    control = forms.ModelChoiceField(
        queryset=Control.objects.none(),
        required=False,
        help_text="The control the request is about, if any.",
    )
    sample = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Sample of items",
        help_text="The items sampled, one per line (e.g. asset or risk references).",
    )
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(widget=DATE, label="Due on")

    def __init__(self, *args, engagement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("due_on", timezone.localdate() + timedelta(days=REQUEST_DAYS))
        if engagement is not None:
            self.fields["control"].queryset = Control.objects.filter(
                framework__code__in=engagement.framework_codes
            ).select_related("framework")


class AnswerForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Answer")
    url = forms.URLField(required=False, max_length=500, label="Link", assume_scheme="https")
    file = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": accept(EVIDENCE)})
    )
