"""The portfolio page (/portfolio/): not inside one organisation, so not an OrgViewMixin
view; it shows only what monitoring.checks.portfolio reads for the signed-in user."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from isms.sso import session as sso_session
from monitoring.checks.portfolio import portfolio_rows


class PortfolioView(LoginRequiredMixin, TemplateView):
    template_name = "monitoring_checks/portfolio.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        context["rows"] = portfolio_rows(
            request.user,
            may_enter=lambda org: sso_session.entry_refusal(request, org) is None,
        )
        return context
