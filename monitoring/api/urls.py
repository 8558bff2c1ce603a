"""Register this app's viewsets on isms.api.routers.org_router here."""

import monitoring.inbox.api.urls
import monitoring.reviews.api.urls  # noqa: F401
