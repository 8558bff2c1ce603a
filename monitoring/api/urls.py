"""Register this app's viewsets on isms.api.routers.org_router here."""

import monitoring.audits.api.urls
import monitoring.checks.api.urls
import monitoring.competence.api.urls
import monitoring.context.api.urls
import monitoring.engagements.api.urls
import monitoring.improvement.api.urls
import monitoring.inbox.api.urls
import monitoring.incidents.api.urls
import monitoring.management.api.urls
import monitoring.packs.api.urls
import monitoring.reviews.api.urls
import monitoring.usage.api.urls  # noqa: F401
