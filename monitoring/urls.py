"""The monitoring pages, under /o/<org_slug>/monitoring/."""

from django.urls import include, path

urlpatterns: list = [
    path("incidents/", include("monitoring.incidents.urls")),
    path("improvement/", include("monitoring.improvement.urls")),
    path("audits/", include("monitoring.audits.urls")),
    path("management-review/", include("monitoring.management.urls")),
]
