"""The monitoring pages, under /o/<org_slug>/monitoring/ (one include per capability)."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("monitoring.inbox.urls")),
    path("reviews/", include("monitoring.reviews.urls")),
    path("incidents/", include("monitoring.incidents.urls")),
    path("improvement/", include("monitoring.improvement.urls")),
    path("audits/", include("monitoring.audits.urls")),
    path("management-review/", include("monitoring.management.urls")),
    path("context/", include("monitoring.context.urls")),
    path("competence/", include("monitoring.competence.urls")),
    path("checks/", include("monitoring.checks.urls")),
    path("packs/", include("monitoring.packs.urls")),
    path("engagements/", include("monitoring.engagements.urls")),
    path("ai-usage/", include("monitoring.usage.urls")),
]
