"""The monitoring pages, under /o/<org_slug>/monitoring/."""

from django.urls import include, path

urlpatterns: list = [
    path("checks/", include("monitoring.checks.urls")),
]
