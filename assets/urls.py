"""The assets pages, under /o/<org_slug>/assets/."""

urlpatterns: list = []
