from __future__ import annotations

from django import forms
from django.utils.safestring import mark_safe

from isms import uploads
from isms.choices import DataCategory
from isms.members import MemberChoiceField, bind_member_fields
from isms.pickers import PickerSelect
from suppliers.models import Supplier

from . import services
from .models import (
    AI_TYPES,
    AffectedGroup,
    Asset,
    AssetType,
    Classification,
    DependencyKind,
    EvaluationKind,
    Lifecycle,
    ResponsibleAIEvaluation,
)

# An auditor (or anyone outside the organisation) is not among the choices: say why.
NOT_AN_OWNER = {
    "invalid_choice": "Choose an active member whose role can own records "
    "(auditors are read-only and never own anything)."
}


class TagsField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return [t.strip() for t in value.split(",") if t.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value


class AssetForm(forms.ModelForm):
    owner = MemberChoiceField(
        help_text="The one accountable owner: an active member of this organisation.",
        error_messages=NOT_AN_OWNER,
    )
    custodian = MemberChoiceField(required=False, error_messages=NOT_AN_OWNER)
    transparency_notice_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Transparency notice (link)",
        max_length=Asset._meta.get_field("transparency_notice_url").max_length,
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier._base_manager.none(), required=False, widget=PickerSelect("suppliers")
    )
    # Check boxes, not a Ctrl-click list: every choice and its state in view (issue 17).
    data_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every kind of data it processes, stores or produces.",
    )
    affected_groups = forms.MultipleChoiceField(
        choices=AffectedGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who is affected (AI types)",
    )
    tags = TagsField(required=False, help_text="Comma-separated.")
    last_reviewed_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        label="Last reviewed",
    )

    class Meta:
        model = Asset
        fields = list(services.EDITABLE_FIELDS)  # the form edits what the service accepts
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "intended_purpose": forms.Textarea(attrs={"rows": 2}),
            "known_limitations": forms.Textarea(attrs={"rows": 2}),
            "transparency_notice_text": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "lifecycle": "AI assets reach production only through an approved AI change request."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)
        self.fields["supplier"].queryset = Supplier.objects.order_by("name")
        if self.instance.pk is not None:
            # An edit form carries the values it showed (initial-<field>), so `changed_data`
            # is what this user changed, not what someone else changed since the page loaded.
            for field in self.fields.values():
                field.show_hidden_initial = True

    @property
    def hidden_initials(self) -> str:
        return mark_safe(  # noqa: S308 (Django renders and escapes the hidden inputs)
            "".join(
                str(bound.as_hidden(only_initial=True))
                for bound in self
                if bound.field.show_hidden_initial
            )
        )

    def _post_clean(self):
        # The service validates and saves; skip ModelForm's instance construction/validation.
        pass

    def service_values(self) -> dict:
        """Every field, for a new asset; for an edit only the fields the user changed, so a
        stale form never writes back a value (a lifecycle stage) changed meanwhile."""
        fields = self.Meta.fields
        if self.instance.pk is not None:
            fields = [f for f in fields if f in self.changed_data]
        return {f: self.cleaned_data.get(f) for f in fields}


class BulkForm(forms.Form):
    ACTIONS = [
        ("owner", "Assign owner"),
        ("classification", "Set classification"),
        ("lifecycle", "Set lifecycle stage"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    owner = MemberChoiceField(required=False, error_messages=NOT_AN_OWNER)
    classification = forms.ChoiceField(choices=[("", "—"), *Classification.choices], required=False)
    lifecycle = forms.ChoiceField(choices=[("", "—"), *Lifecycle.choices], required=False)
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)
        self.fields["selected"].choices = [(v, v) for v in self.data.getlist("selected")]
        self.fields["selected"].error_messages["required"] = "Tick at least one asset."

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action and not cleaned.get(action):
            self.add_error(action, "Choose a value to apply.")
        return cleaned


class DependencyForm(forms.Form):
    DIRECTIONS = [
        ("depends_on", "This asset depends on…"),
        ("dependent", "…depends on this asset"),
    ]
    direction = forms.ChoiceField(choices=DIRECTIONS, initial="depends_on")
    kind = forms.ChoiceField(choices=DependencyKind.choices)
    other = forms.ModelChoiceField(
        queryset=Asset._base_manager.none(), label="Other asset", widget=PickerSelect("assets")
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, asset: Asset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = (
            Asset.objects.filter(triage_status__in=["", "accepted"])
            .exclude(pk=asset.pk)
            .only("pk", "name")
            .order_by("name")
        )


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = ResponsibleAIEvaluation
        fields = ["kind", "performed_on", "method", "result", "passed", "evidence"]
        widgets = {
            "performed_on": forms.DateInput(attrs={"type": "date"}),
            "method": forms.Textarea(attrs={"rows": 2}),
            "result": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.ClearableFileInput(
                attrs={"accept": uploads.accept(uploads.EVIDENCE)}
            ),
        }
        help_texts = {"evidence": "PDF, PNG, JPEG, DOCX or XLSX, up to 10 MB."}

    kind = forms.ChoiceField(choices=EvaluationKind.choices)

    def _post_clean(self):
        pass


class ShadowReportForm(forms.Form):
    name = forms.CharField(max_length=200, label="What tool is it?")
    asset_type = forms.ChoiceField(
        choices=[(t, AssetType(t).label) for t in AssetType.values if t in AI_TYPES],
        initial=AssetType.AI_SAAS_TOOL,
        label="Kind of AI",
    )
    used_by = forms.CharField(max_length=300, required=False, label="Who uses it?")
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="For what?")
    data_going_in = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="What data goes in?"
    )
    data_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices, required=False, label="Kinds of data (if you know)"
    )


class TriageAcceptForm(forms.Form):
    owner = MemberChoiceField(label="Accountable owner", error_messages=NOT_AN_OWNER)
    classification = forms.ChoiceField(
        choices=Classification.choices, initial="internal", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bind_member_fields(self)


class TriageDismissForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason for dismissing")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="UTF-8 CSV or an Excel workbook, with the header row of the export.",
    )
