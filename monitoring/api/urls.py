"""Register this app's viewsets on isms.api.routers.org_router here."""

import monitoring.improvement.api.urls
import monitoring.incidents.api.urls  # noqa: F401
