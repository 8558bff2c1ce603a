"""The auditor access log: every request an auditor makes to an organisation's pages or API
is recorded, one INSERT in the request's own transaction (after TenantMiddleware, so inside
the tenant context). A view that serves a file names it on the request
(`note_download`), so the log says which file was downloaded, not just which URL.

Keep it cheap: nothing is read, and nothing happens for anyone but an auditor.
"""

from __future__ import annotations

from django.db import transaction

from isms.access import SAFE_METHODS, access_is_logged
from monitoring.engagements.models import AccessKind

NOTE = "auditor_access_note"


def note_download(request, *, subject: str, engagement_id: int | None) -> None:
    setattr(request, NOTE, (AccessKind.DOWNLOAD, subject, engagement_id))


def _shown_path(request) -> str:
    """The path as the log shows it: a signed link's token is a credential of a few minutes,
    not worth keeping (the file's name is recorded beside it)."""
    path = request.get_full_path()
    head, marker, _ = path.partition(FILE_LINK_MARKER)
    return head + marker + "(signed link)/" if marker else path


FILE_LINK_MARKER = "/engagements/files/"


class AuditorAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        actor = getattr(request, "actor", None)
        # A request that failed and was rolled back (a 500) showed nothing and can write
        # nothing more; every other answer, refusals included, is recorded.
        if access_is_logged(actor) and not transaction.get_rollback():
            from monitoring.engagements import services

            kind, subject, engagement_id = getattr(request, NOTE, (None, "", None))
            if kind is None or response.status_code >= 400:
                if response.status_code >= 400:
                    kind = AccessKind.REFUSED
                elif request.method not in SAFE_METHODS:
                    kind = AccessKind.ACTION
                elif request.path_info.startswith("/api/"):
                    kind = AccessKind.API
                else:
                    kind = AccessKind.PAGE
            services.access_record(
                actor=actor,
                kind=kind,
                method=request.method,
                path=_shown_path(request),
                status=response.status_code,
                subject=subject,
                engagement_id=engagement_id,
            )
        return response
