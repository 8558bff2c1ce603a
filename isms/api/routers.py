"""One router for every organisation-scoped endpoint: `/api/v1/orgs/<org_slug>/…`.

Feature apps register their viewsets here (in their api/urls.py, imported by isms.urls);
the generic isolation and role suites walk this router, so a new endpoint is covered
without anyone editing them.
"""

from rest_framework.routers import DefaultRouter

org_router = DefaultRouter(trailing_slash=True)
org_router.include_root_view = False
