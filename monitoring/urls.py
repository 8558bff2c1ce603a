"""The monitoring pages, under /o/<org_slug>/monitoring/."""

urlpatterns: list = []
