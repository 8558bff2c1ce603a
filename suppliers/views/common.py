"""What every suppliers page shares: scopes, tabs, the base view, error helpers."""

from __future__ import annotations

from django.urls import reverse

from isms.views.mixins import OrgViewMixin

READ = {"GET": ["suppliers:read"]}
WRITE = {"GET": ["suppliers:write"], "POST": ["suppliers:write"]}
POST_WRITE = {"POST": ["suppliers:write"]}
TABS = [
    ("overview", "Overview"),
    ("assessments", "Assessments"),
    ("certifications", "Certifications"),
    ("contract", "Contract clauses"),
    ("history", "History"),
]


def _bad(response):
    response.status_code = 400
    return response


class SupplierViewMixin(OrgViewMixin):
    nav = "suppliers"

    def supplier_url(self, supplier, tab: str = "") -> str:
        url = reverse(
            "supplier_detail", kwargs={"org_slug": self.organization.slug, "pk": supplier.pk}
        )
        return f"{url}?tab={tab}" if tab else url

    def assessment_url(self, assessment) -> str:
        return reverse(
            "supplier_assessment_detail",
            kwargs={"org_slug": self.organization.slug, "pk": assessment.pk},
        )
