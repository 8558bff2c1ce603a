"""The policies pages, under /o/<org_slug>/policies/."""

urlpatterns: list = []
