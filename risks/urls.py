"""The risks pages, under /o/<org_slug>/risks/."""

urlpatterns: list = []
