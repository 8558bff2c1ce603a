"""The suppliers pages, under /o/<org_slug>/suppliers/."""

urlpatterns: list = []
