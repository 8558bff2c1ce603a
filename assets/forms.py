from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from isms import uploads
from isms.choices import DataCategory
from isms.models import Membership
from isms.tenancy import current_organization_id
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

User = get_user_model()


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} <{user.email}>" if name else user.email


def members_queryset():
    return User.objects.filter(
        pk__in=Membership.objects.active()
        .filter(organization_id=current_organization_id())
        .values("user_id")
    ).order_by("first_name", "last_name", "email")


class TagsField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return [t.strip() for t in value.split(",") if t.strip()]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value


class AssetForm(forms.ModelForm):
    owner = MemberChoiceField(
        queryset=User.objects.none(),
        help_text="The one accountable owner: an active member of this organisation.",
    )
    custodian = MemberChoiceField(queryset=User.objects.none(), required=False)
    transparency_notice_url = forms.URLField(
        required=False, assume_scheme="https", label="Transparency notice (link)"
    )
    supplier = forms.ModelChoiceField(queryset=Supplier._base_manager.none(), required=False)
    data_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices,
        required=False,
        help_text="Every kind of data it processes, stores or produces.",
    )
    affected_groups = forms.MultipleChoiceField(
        choices=AffectedGroup.choices, required=False, label="Who is affected (AI types)"
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
        self.fields["owner"].queryset = members_queryset()
        self.fields["custodian"].queryset = members_queryset()
        self.fields["supplier"].queryset = Supplier.objects.order_by("name")

    def _post_clean(self):
        # The service validates and saves; skip ModelForm's instance construction/validation.
        pass

    def service_values(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in self.Meta.fields}


class BulkForm(forms.Form):
    ACTIONS = [
        ("owner", "Assign owner"),
        ("classification", "Set classification"),
        ("lifecycle", "Set lifecycle stage"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    owner = MemberChoiceField(queryset=User.objects.none(), required=False)
    classification = forms.ChoiceField(choices=[("", "—"), *Classification.choices], required=False)
    lifecycle = forms.ChoiceField(choices=[("", "—"), *Lifecycle.choices], required=False)
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_queryset()
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
    other = forms.ModelChoiceField(queryset=Asset._base_manager.none(), label="Other asset")
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
    owner = MemberChoiceField(queryset=User.objects.none(), label="Accountable owner")
    classification = forms.ChoiceField(
        choices=Classification.choices, initial="internal", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_queryset()


class TriageDismissForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason for dismissing")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="UTF-8 CSV or an Excel workbook, with the header row of the export.",
    )
