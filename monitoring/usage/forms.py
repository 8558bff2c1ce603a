from __future__ import annotations

from django import forms

from isms.choices import DataCategory
from monitoring.usage.models import Enforcement, SupplierEnforcement, UsageSettings


class UsageSettingsForm(forms.Form):
    unknown_tool = forms.ChoiceField(
        label=UsageSettings._meta.get_field("unknown_tool").verbose_name,
        choices=Enforcement.choices,
        help_text="Either way the tool is reported as shadow AI for triage.",
    )
    policy_acknowledgement = forms.ChoiceField(
        label=UsageSettings._meta.get_field("policy_acknowledgement").verbose_name,
        choices=Enforcement.choices,
    )
    supplier_check = forms.ChoiceField(
        label=UsageSettings._meta.get_field("supplier_check").verbose_name,
        choices=SupplierEnforcement.choices,
    )
    restricted_categories = forms.MultipleChoiceField(
        label="Restricted data categories",
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=UsageSettings._meta.get_field("restricted_categories").help_text,
    )
