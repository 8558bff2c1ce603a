"""Reads of evidence packs, for pages, the API and other capabilities (the auditor's
engagement lists packs through `packs_for_organization` and links them with
`signed_download_url`)."""

from __future__ import annotations

from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse

from isms import outbox
from monitoring.packs.models import EvidencePack, PackStatus

DOWNLOAD_SALT = "monitoring.packs.download"
DOWNLOAD_MAX_AGE = 300  # seconds a signed download link works
KINDS = ("pdf", "zip")


def packs_for_organization(organization) -> QuerySet[EvidencePack]:
    """The organisation's packs, newest first (needs that organisation's tenant context: the
    manager and row-level security filter to it; `organization` must be the same one)."""
    return (
        EvidencePack.objects.filter(organization=organization)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")
    )


def finished_packs(organization) -> QuerySet[EvidencePack]:
    return packs_for_organization(organization).filter(status=PackStatus.DONE)


def signed_download_url(pack: EvidencePack, kind: str = "pdf") -> str:
    """A link to the file that works for `DOWNLOAD_MAX_AGE` seconds, for a member of the
    pack's organisation who may read packs (the view checks both)."""
    token = signing.dumps([pack.organization_id, pack.pk, kind], salt=DOWNLOAD_SALT)
    return reverse("pack_signed_download", args=[pack.organization.slug, token])


def read_download_token(token: str, *, max_age: int = DOWNLOAD_MAX_AGE) -> tuple[int, int, str]:
    organization_id, pack_id, kind = signing.loads(token, salt=DOWNLOAD_SALT, max_age=max_age)
    return int(organization_id), int(pack_id), str(kind)


def pack_by_hash(sha256: str) -> EvidencePack | None:
    """The organisation in context's finished pack whose PDF or ZIP has this SHA-256."""
    from django.db.models import Q

    value = sha256.strip().lower()
    return (
        EvidencePack.objects.filter(status=PackStatus.DONE)
        .filter(Q(pdf_sha256=value) | Q(bundle_sha256=value))
        .first()
    )


def render_reference(pack_id: int, attempt: int) -> str:
    """The task outbox's reference of one render attempt (isms.outbox.pending_for)."""
    return f"monitoring.packs.render:{pack_id}:{attempt}"


def waiting_for_queue(pack: EvidencePack) -> bool:
    """Is this queued pack's render stored in the outbox, waiting for the task queue (Redis
    unreachable when it was requested)?"""
    if pack.status != PackStatus.QUEUED:
        return False
    return outbox.pending_for(render_reference(pack.pk, pack.attempt)) is not None
