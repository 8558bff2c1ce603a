"""The monitoring pages, under /o/<org_slug>/monitoring/ (one include per capability)."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("monitoring.inbox.urls")),
    path("reviews/", include("monitoring.reviews.urls")),
]
