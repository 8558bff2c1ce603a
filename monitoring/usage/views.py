"""The AI usage page (which tools are used, by how many people, what was denied and why)
and the settings of the decision endpoint."""

from __future__ import annotations

from django.urls import reverse
from django.views.generic import TemplateView

from isms import policy
from isms.views.mixins import OrgFormView, OrgViewMixin
from monitoring.usage import selectors, services
from monitoring.usage.facts import usage_settings
from monitoring.usage.forms import UsageSettingsForm
from monitoring.usage.models import DENIAL_RETENTION_DAYS, UsageSettings

READ = ["monitoring:read"]
MANAGE = ["monitoring:write", "monitoring:manage"]


def usage_url(slug: str) -> str:
    return reverse("monitoring_usage:usage", args=[slug])


class UsageView(OrgViewMixin, TemplateView):
    template_name = "monitoring/usage/usage.html"
    scope_map = {"GET": READ}
    nav = "monitoring"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            section="ai_usage",
            tools=selectors.tool_use(),
            window_days=selectors.WINDOW_DAYS,
            denials=list(selectors.recent_denials()),
            retention_days=DENIAL_RETENTION_DAYS,
            sightings=list(selectors.shadow_sightings()[:50]),
            settings=usage_settings(),
            may_configure=policy.can(self.actor, "change", UsageSettings),
        )
        return context


class UsageSettingsView(OrgFormView):
    template_name = "monitoring/form.html"
    form_class = UsageSettingsForm
    scope_map = {"GET": MANAGE, "POST": MANAGE}
    nav = "monitoring"
    success_message = "AI usage settings saved."

    def get_initial(self):
        found = usage_settings()
        return {name: getattr(found, name) for name in services.SETTINGS_FIELDS}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = "AI usage decision settings"
        context["intro"] = (
            "How strictly the decision endpoint answers gateways. Changes apply to the next "
            "decision."
        )
        context["back"] = usage_url(self.organization.slug)
        return context

    def perform(self, form):
        return services.usage_settings_update(actor=self.actor, **form.cleaned_data)

    def get_success_url(self) -> str:
        return usage_url(self.organization.slug)
