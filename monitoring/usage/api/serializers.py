from __future__ import annotations

from rest_framework import serializers
from rest_framework.settings import api_settings

from isms.choices import DataCategory
from monitoring.usage.facts import person_key, tool_key
from monitoring.usage.models import Outcome
from monitoring.usage.rules import RULES
from monitoring.usage.services import UsageRequest


class ToolSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        required=False, max_length=200, help_text="The asset's external id."
    )
    provider = serializers.CharField(
        required=False, max_length=200, help_text="With `model`: the asset's model provider."
    )
    model = serializers.CharField(
        required=False, max_length=100, help_text="With `provider`: the asset's model version."
    )
    domain = serializers.CharField(
        required=False,
        max_length=253,
        help_text="A host name, tagged `domain:<host>` on the asset.",
    )
    name = serializers.CharField(
        required=False, max_length=200, help_text="A display name for a shadow-AI report."
    )

    def validate(self, data):
        named = bool(data.get("external_id")) + bool(data.get("provider") and data.get("model"))
        named += bool(data.get("domain"))
        if named != 1:
            raise serializers.ValidationError(
                "Name the tool one way: `external_id`, or `provider` with `model`, or `domain`."
            )
        return data


class PersonSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False)
    external_id = serializers.CharField(
        required=False, max_length=150, help_text="The person's user name in Guardrail."
    )

    def validate(self, data):
        if bool(data.get("email")) == bool(data.get("external_id")):
            raise serializers.ValidationError("Name the person by `email` or by `external_id`.")
        return data


class DecisionRequestSerializer(serializers.Serializer):
    tool = ToolSerializer()
    person = PersonSerializer()
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices),
        max_length=len(DataCategory.choices),
        help_text="The categories of data about to be sent.",
    )
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def usage_request(self, payload) -> UsageRequest:
        """The validated request, or ValidationError in the shape `is_valid()` gives.

        Stateless, unlike `is_valid()`: one instance serves every request of a process, so
        its fields (nested serializers and their validators) are built once, not deep-copied
        per call; that was a fifth of a decision's CPU time (issue 22)."""
        if payload is None:  # what is_valid() answers to a JSON `null`
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["No data provided"]}, code="null"
            )
        data = self.run_validation(payload)
        tool, person = data["tool"], data["person"]
        key = tool_key(
            external_id=tool.get("external_id", ""),
            provider=tool.get("provider", ""),
            model=tool.get("model", ""),
            domain=tool.get("domain", ""),
        )
        label = tool.get("name") or key.split(":", 1)[1]
        return UsageRequest(
            tool_key=key,
            tool_label=label,
            person_key=person_key(
                email=person.get("email", ""), external_id=person.get("external_id", "")
            ),
            person_label=person.get("email") or person.get("external_id"),
            data_categories=tuple(dict.fromkeys(data["data_categories"])),
            purpose=data.get("purpose", ""),
        )


class ReasonSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=[(r, r) for r in RULES])
    code = serializers.CharField()
    effect = serializers.ChoiceField(choices=[("deny", "deny"), ("warn", "warn")])
    message = serializers.CharField()


class DecisionAssetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    external_id = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Outcome.choices)
    tool_key = serializers.CharField()
    asset = DecisionAssetSerializer(allow_null=True)
    reasons = ReasonSerializer(many=True)
    obligations = serializers.ListField(child=serializers.CharField())
