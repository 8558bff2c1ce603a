"""Register this app's viewsets on isms.api.routers.org_router here."""

import monitoring.checks.api.urls  # noqa: F401
