"""Forms of the policies UI. They only parse input; services validate and write."""

from __future__ import annotations

from django import forms

from isms.access import addressable_roles
from isms.fields import derive_form
from isms.members import MemberChoiceField, MemberMultipleChoiceField, bind_member_fields
from isms.models import Control, Role
from policies.models import POLICY_EDITABLE, AISection, Policy, PolicyKind
from policies.starters import TEMPLATES


class PolicyForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=PolicyKind.choices)
    owner = MemberChoiceField(help_text="Accountable for the policy.")
    audience = forms.ChoiceField(
        choices=Policy.Audience.choices, help_text="Who must acknowledge each published version."
    )
    audience_roles = forms.MultipleChoiceField(
        choices=[(r, Role(r).label) for r in addressable_roles()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Roles (when the audience is chosen roles)",
    )
    review_interval_months = forms.IntegerField(
        min_value=1, max_value=60, initial=12, label="Review every (months)"
    )
    covers_ai = forms.BooleanField(required=False, label="This policy covers AI")
    ai_sections = forms.MultipleChoiceField(
        choices=AISection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="AI sections the text contains",
        help_text="Tick each expected AI section the current text covers.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)


derive_form(PolicyForm, POLICY_EDITABLE)


class VersionForm(forms.Form):
    body_markdown = forms.CharField(
        label="Text (Markdown)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 22, "class": "font-monospace"}),
    )
    document = forms.FileField(
        required=False,
        label="Or upload a document",
        help_text="A PDF or Word (.docx) file up to 10 MB; it replaces the text.",
    )
    change_summary = forms.CharField(max_length=500, required=False, label="What changed")


class SubmitForm(forms.Form):
    approver = MemberChoiceField(
        scope="policies:approve",
        help_text="Approves this version: a member who may approve policies, not its author.",
    )
    reviewers = MemberMultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional: people who review and may return it with comments. "
        "Reviewers never approve.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)


class ReturnForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What needs to change")


class FromTemplateForm(forms.Form):
    template = forms.ChoiceField(choices=[(k, t.title) for k, t in TEMPLATES.items()])
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave empty to use the template's title."
    )


class NewVersionForm(forms.Form):
    template = forms.ChoiceField(
        choices=[("", "— copy the latest text only —")]
        + [(k, t.summary) for k, t in TEMPLATES.items() if t.is_section],
        required=False,
        label="Add an AI section",
    )


class _ControlChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, control) -> str:
        return f"{control.framework.name} · {control.ref} {control.title}"


class PolicyControlsForm(forms.Form):
    controls = _ControlChoice(
        queryset=Control.objects.select_related("framework").order_by(
            "framework__code", "sort_key"
        ),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 16}),
        help_text="The controls this policy implements or helps implement (Ctrl-click to "
        "choose several).",
    )
