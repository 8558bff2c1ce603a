from django import forms

from isms.models import WebhookEventType


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="An https:// address that resolves to public addresses only.",
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/guardrail"}),
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Event types",
        choices=[c for c in WebhookEventType.choices if c[0] != WebhookEventType.PING],
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label="Active (send events)", required=False, initial=True)
    allow_internal = forms.BooleanField(
        label="Allow internal addresses",
        required=False,
        help_text="Only for a receiver inside your own network: lets this endpoint reach "
        "private, loopback and link-local addresses and use plain http. Recorded in the "
        "audit trail.",
    )

    def __init__(self, *args, may_allow_internal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_allow_internal:
            self.fields["allow_internal"].disabled = True
