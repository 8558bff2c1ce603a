"""Requesting, rendering, cancelling, retrying, verifying and deleting evidence packs.

The render runs in a worker (tasks.render_pack) and never inside one long transaction: each
section reads the registers in its own tenant transaction, and progress is committed between
sections so the page polling it sees it move. A render claims its pack by attempt number, and
only the attempt that still owns a `rendering` pack may finish it, in one transaction that
stores the files and marks it done: a killed or superseded render leaves nothing behind.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import json
import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from isms import outbox, policy
from isms.access import Actor
from isms.audit_chain import chain_head_at
from isms.errors import Conflict, ErrorCode
from isms.models import WebhookEventType
from isms.tenancy import tenant_context
from isms.webhooks.events import emit
from isms.writes import model_update
from monitoring.packs import signing
from monitoring.packs.bundle import bundle_from_pdf, pdf_attachments
from monitoring.packs.models import (
    FRAMEWORK_CHOICES,
    Cadence,
    EvidencePack,
    PackSchedule,
    PackStatus,
)
from monitoring.packs.sections import SECTIONS, PackContext
from monitoring.packs.selectors import render_reference

logger = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=5)  # a render with no heartbeat for this long may be retried
FRAMEWORKS = dict(FRAMEWORK_CHOICES)


def _audit_chain_head(organization_id: int, as_of) -> str | None:
    """The audit trail's chain head at `as_of` as "event <id> sha256:<hash>", recorded on the
    pack and its cover: an anchor that later proves the trail up to it was not rewritten
    (isms.audit_chain.verify_chain). None before the organisation's first event."""
    head = chain_head_at(organization_id, as_of)
    return None if head is None else f"event {head[0]} sha256:{head[1]}"


# --- requests ---------------------------------------------------------------------------------


def _validate(frameworks, sections, as_of) -> tuple[list[str], list[str]]:
    frameworks = [f for f in FRAMEWORKS if f in set(frameworks or [])]
    if not frameworks or set(frameworks or []) - set(FRAMEWORKS):
        raise ValidationError({"frameworks": "Choose ISO/IEC 27001, ISO/IEC 42001 or both."})
    unknown = set(sections or []) - set(SECTIONS)
    if not sections or unknown:
        raise ValidationError({"sections": "Choose at least one of the listed sections."})
    if as_of is not None and as_of > timezone.now() + timedelta(minutes=1):
        raise ValidationError({"as_of": "A pack shows what existed: the date cannot be future."})
    return frameworks, [s for s in SECTIONS if s in set(sections)]


def pack_request(
    *, actor: Actor | None, frameworks, sections, as_of=None, schedule=None, schedule_period=None
) -> EvidencePack:
    """An officer (monitoring:manage) asks for a pack; a worker renders it after commit."""
    if actor is not None:
        policy.require(actor, "create", EvidencePack)
    frameworks, sections = _validate(frameworks, sections, as_of)
    pack = EvidencePack.objects.create(
        frameworks=frameworks,
        sections=sections,
        as_of=as_of or timezone.now(),
        sections_total=len(sections),
        requested_by=actor.user if actor is not None else None,
        schedule=schedule,
        schedule_period=schedule_period,
    )
    _queue(pack)
    return pack


def _queue(pack: EvidencePack) -> None:
    """Store the render in the task outbox, in this transaction: it is sent after commit, or
    by the relay once the task queue is reachable again (the pack shows it is waiting)."""
    outbox.enqueue(
        "monitoring.packs.render",
        kwargs={
            "organization_id": pack.organization_id,
            "pack_id": pack.pk,
            "attempt": pack.attempt,
        },
        reference=render_reference(pack.pk, pack.attempt),
    )


def render_given_up(*, organization_id: int, pack_id: int, attempt: int, runs: int) -> None:
    """The render's message started `runs` times without finishing (each run killed its
    worker, e.g. out of memory): fail the pack with a reason instead of looping forever."""
    with tenant_context(organization_id, actor="task monitoring.packs.render"):
        EvidencePack.objects.filter(
            pk=pack_id, attempt=attempt, status__in=[PackStatus.QUEUED, PackStatus.RENDERING]
        ).update(
            status=PackStatus.FAILED,
            failure_reason=(
                f"The worker stopped {runs - 1} times while rendering this pack "
                "(out of memory?). Retry with fewer sections."
            ),
            finished_at=timezone.now(),
        )


def pack_cancel(*, actor: Actor, pack: EvidencePack) -> EvidencePack:
    policy.require(actor, "change", pack)
    updated = EvidencePack.objects.filter(
        pk=pack.pk, status__in=[PackStatus.QUEUED, PackStatus.RENDERING]
    ).update(status=PackStatus.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise Conflict(
            "Only a queued or rendering pack can be cancelled.", code=ErrorCode.INVALID_TRANSITION
        )
    pack.refresh_from_db()
    return pack


def is_stalled(pack: EvidencePack) -> bool:
    beat = pack.heartbeat_at or pack.requested_at
    return pack.in_progress and timezone.now() - beat > STALLED_AFTER


def pack_retry(*, actor: Actor | None, pack: EvidencePack) -> EvidencePack:
    """Render a failed, cancelled or stalled pack again, as a new attempt (an older attempt
    still running can no longer finish it)."""
    if actor is not None:
        policy.require(actor, "change", pack)
    if pack.status not in {PackStatus.FAILED, PackStatus.CANCELLED} and not is_stalled(pack):
        raise Conflict(
            "Only a failed, cancelled or stalled pack can be retried.",
            code=ErrorCode.INVALID_TRANSITION,
        )
    EvidencePack.objects.filter(pk=pack.pk).exclude(status=PackStatus.DONE).update(
        status=PackStatus.QUEUED,
        attempt=pack.attempt + 1,
        sections_done=0,
        current_section="",
        failure_reason="",
        finished_at=None,
        heartbeat_at=None,
    )
    pack.refresh_from_db()
    _queue(pack)
    return pack


def pack_delete(*, actor: Actor, pack: EvidencePack) -> None:
    """An administrator's act: the database refuses to delete a finished pack unless this
    transaction says so, and the audit trail records the deletion with its actor."""
    policy.require(actor, "delete", pack)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.pack_deletion', 'admin', true)")
    names = [f.name for f in (pack.pdf, pack.bundle) if f]
    storage = pack.pdf.storage
    pack.delete()
    transaction.on_commit(lambda: [storage.delete(n) for n in names])


# --- rendering (in the worker) ----------------------------------------------------------------


def _claim(organization_id: int, pack_id: int, attempt: int) -> EvidencePack | None:
    with tenant_context(organization_id, actor="task monitoring.packs.render"):
        pack = EvidencePack.objects.select_for_update().filter(pk=pack_id).first()
        if (
            pack is None
            or pack.attempt != attempt
            or pack.status not in {PackStatus.QUEUED, PackStatus.RENDERING}
        ):
            return None
        pack.status = PackStatus.RENDERING
        pack.heartbeat_at = timezone.now()
        pack.sections_done = 0
        pack.save(update_fields=["status", "heartbeat_at", "sections_done"])
        return pack


def _header(pack: EvidencePack, key) -> dict:
    from monitoring.context.models import ScopeStatement

    scope = (
        ScopeStatement.objects.filter(approved_at__lte=pack.as_of)
        .order_by("-approved_at")
        .values_list("statement", flat=True)
        .first()
    )
    if pack.requested_by:
        requester = pack.requested_by.email
    elif pack.schedule_id:
        requester = f"the {pack.schedule.get_every_months_display().lower()} schedule"
    else:
        requester = "a schedule"
    return {
        "title": f"Evidence pack {pack.reference}",
        "organization": pack.organization.name,
        "organization_slug": pack.organization.slug,
        "reference": str(pack.reference),
        "as_of": timezone.localtime(pack.as_of).strftime("%Y-%m-%d %H:%M %Z"),
        "as_of_iso": pack.as_of.isoformat(),
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        "generated_by": requester,
        "frameworks": list(pack.frameworks),
        "framework_names": [FRAMEWORKS[f] for f in pack.frameworks],
        "sections": list(pack.sections),
        "scope": scope or "",
        "public_key": key.public_key,
        "audit_chain_head": _audit_chain_head(pack.organization_id, pack.as_of),
    }


def manifest_document(header: dict, files: dict[str, Path]) -> bytes:
    from monitoring.packs.render import sha256_file

    manifest = {
        "format": "guardrail-evidence-pack/1",
        "pack": header["reference"],
        "organization": header["organization_slug"],
        "as_of": header["as_of_iso"],
        "generated_at": header["generated_at"],
        "frameworks": header["frameworks"],
        "sections": header["sections"],
        "audit_chain_head": header["audit_chain_head"],
        "public_key": header["public_key"],
        "files": [
            {"name": name, "sha256": sha256_file(path), "size": path.stat().st_size}
            for name, path in sorted(files.items())
        ],
    }
    return signing.canonical_json(manifest)


def pack_render(*, organization_id: int, pack_id: int, attempt: int) -> str:
    """The worker's body: returns the final status ("done", "cancelled", "failed", "skipped")."""
    from monitoring.packs.render import Cancelled, render_pack, sha256_file

    pack = _claim(organization_id, pack_id, attempt)
    if pack is None:
        return "skipped"
    try:
        with tenant_context(organization_id, actor="task monitoring.packs.render"):
            key = signing.signing_key()
            pack = EvidencePack.objects.select_related(
                "organization", "requested_by", "schedule"
            ).get(pk=pack_id)
            header = _header(pack, key)
        ctx = PackContext(pack.organization, pack.as_of, list(pack.frameworks))
        ctx.extra["chain_head"] = header["audit_chain_head"]
        signed: dict = {}

        def manifest_for(files):
            document = manifest_document(header, files)
            signed["manifest"] = document
            signed["signature"] = signing.sign(document, key)
            return [("manifest.json", document), ("manifest.sig", signed["signature"].encode())]

        def progress(done: int, current: str) -> None:
            with tenant_context(organization_id, actor="task monitoring.packs.render"):
                updated = EvidencePack.objects.filter(
                    pk=pack_id, attempt=attempt, status=PackStatus.RENDERING
                ).update(sections_done=done, current_section=current, heartbeat_at=timezone.now())
            if not updated:
                raise Cancelled

        @contextlib.contextmanager
        def section_scope():
            with tenant_context(organization_id, actor="task monitoring.packs.render"):
                yield

        with tempfile.TemporaryDirectory(prefix="pack-") as workdir:
            result = render_pack(
                ctx,
                list(pack.sections),
                Path(workdir),
                header,
                manifest_for=manifest_for,
                progress=progress,
                section_scope=section_scope,
            )
            pdf = result.pdf_path.read_bytes()
            bundle = bundle_from_pdf(pdf)
            return _finish(
                organization_id,
                pack_id,
                attempt,
                pdf=pdf,
                bundle=bundle,
                signed=signed,
                pages=result.pages,
                seconds=result.seconds,
                pdf_sha256=sha256_file(result.pdf_path),
                chain_head=header["audit_chain_head"] or "",
                public_key=key.public_key,
            )
    except Cancelled:
        return "cancelled"
    except Exception as error:
        logger.exception("Evidence pack %s failed", pack_id)
        with tenant_context(organization_id, actor="task monitoring.packs.render"):
            EvidencePack.objects.filter(
                pk=pack_id, attempt=attempt, status=PackStatus.RENDERING
            ).update(
                status=PackStatus.FAILED,
                failure_reason=f"{type(error).__name__}: {error}"[:1000],
                finished_at=timezone.now(),
            )
        return "failed"


def _finish(
    organization_id,
    pack_id,
    attempt,
    *,
    pdf,
    bundle,
    signed,
    pages,
    seconds,
    pdf_sha256,
    chain_head,
    public_key,
) -> str:
    with tenant_context(organization_id, actor="task monitoring.packs.render"):
        pack = EvidencePack.objects.select_for_update().filter(pk=pack_id).first()
        if pack is None or pack.attempt != attempt or pack.status != PackStatus.RENDERING:
            return "skipped"
        for field_file, name, content in (
            (pack.pdf, "pack.pdf", pdf),
            (pack.bundle, "pack.zip", bundle),
        ):
            path = field_file.field.generate_filename(pack, name)
            if field_file.storage.exists(path):  # left by an attempt killed after storing
                field_file.storage.delete(path)
            field_file.save(name, ContentFile(content), save=False)
        pack.pdf_sha256 = pdf_sha256
        pack.bundle_sha256 = hashlib.sha256(bundle).hexdigest()
        pack.manifest = json.loads(signed["manifest"])
        pack.signature = signed["signature"]
        pack.public_key = public_key
        pack.chain_head = chain_head
        pack.page_count = pages
        pack.render_seconds = round(seconds, 2)
        pack.sections_done = pack.sections_total
        pack.current_section = ""
        pack.status = PackStatus.DONE
        pack.finished_at = timezone.now()
        pack.save()
        emit(
            WebhookEventType.PACK_READY,
            data={
                "object": "evidence_pack",
                "id": pack.pk,
                "name": f"Evidence pack #{pack.pk}",
                "frameworks": pack.frameworks,
                "pdf_sha256": pack.pdf_sha256,
                "page_count": pages,
            },
        )
        return "done"


# --- verification -----------------------------------------------------------------------------


def pack_verify(*, sha256: str = "", content: bytes | None = None) -> dict:
    """Is this file (or hash) a pack the organisation in context generated, and when? Another
    organisation's pack answers exactly like an unknown file."""
    from monitoring.packs.selectors import pack_by_hash

    if content is not None:
        sha256 = hashlib.sha256(content).hexdigest()
    sha256 = (sha256 or "").strip().lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValidationError({"sha256": "Give a SHA-256 as 64 hexadecimal characters, or a file."})
    pack = pack_by_hash(sha256)
    answer = {"sha256": sha256, "known": pack is not None}
    if pack is None:
        return answer
    answer.update(
        pack=str(pack.reference),
        kind="pdf" if pack.pdf_sha256 == sha256 else "zip",
        as_of=pack.as_of.isoformat(),
        generated_at=pack.finished_at.isoformat() if pack.finished_at else None,
        public_key=pack.public_key,
        signature=pack.signature,
        signature_valid=signing.verify(
            signing.canonical_json(pack.manifest), pack.signature, pack.public_key
        ),
    )
    return answer


def manifest_check(pdf: bytes) -> dict:
    """Read a pack PDF's own manifest and signature and check both against its attachments:
    what anyone can do offline with the public key."""
    files = pdf_attachments(pdf)
    manifest_bytes = files.get("manifest.json", b"")
    signature = files.get("manifest.sig", b"").decode()

    manifest = json.loads(manifest_bytes) if manifest_bytes else {}
    mismatched = [
        f["name"]
        for f in manifest.get("files", [])
        if hashlib.sha256(files.get(f["name"], b"")).hexdigest() != f["sha256"]
    ]
    return {
        "signature_valid": bool(manifest)
        and signing.verify(manifest_bytes, signature, manifest.get("public_key", "")),
        "mismatched": mismatched,
        "manifest": manifest,
    }


# --- schedules ----------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _next_future(due: datetime, every_months: int, now: datetime) -> datetime:
    """`due` moved on by whole periods until it is after `now` (a sweep that missed several
    periods makes one pack, for the latest, not a backlog)."""
    while due <= now:
        due = add_months(due, every_months)
    return due


def _validate_schedule(
    frameworks, sections, every_months, next_due, *, unchanged_due=None
) -> tuple[list, list, int]:
    frameworks, sections = _validate(frameworks, sections, None)
    try:
        every_months = int(every_months)
    except (TypeError, ValueError):
        every_months = 0
    if every_months not in Cadence.values:
        raise ValidationError({"every_months": "Choose monthly or quarterly."})
    if next_due is None:
        raise ValidationError({"next_due": "Give the date and time of the next pack."})
    if next_due != unchanged_due and next_due < timezone.now() - timedelta(minutes=1):
        raise ValidationError({"next_due": "The next run cannot be in the past."})
    return frameworks, sections, every_months


def _to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@transaction.atomic
def schedule_create(
    *, actor: Actor, frameworks, sections, every_months: int = Cadence.MONTHLY, next_due=None
) -> PackSchedule:
    """An officer schedules a pack: the sweep requests it at `next_due` (default now), then
    every month or quarter after it."""
    policy.require(actor, "create", PackSchedule)
    next_due = next_due or timezone.now()
    frameworks, sections, every_months = _validate_schedule(
        frameworks, sections, every_months, next_due
    )
    return PackSchedule.objects.create(
        frameworks=frameworks,
        sections=sections,
        every_months=every_months,
        next_due=next_due,
        created_by=actor.user,
    )


@transaction.atomic
def schedule_update(
    *, actor: Actor, schedule: PackSchedule, frameworks, sections, every_months, next_due
) -> list[str]:
    """Change what a schedule asks for and when it next runs; returns the changed fields."""
    policy.require(actor, "change", schedule)
    locked = PackSchedule.objects.select_for_update().get(pk=schedule.pk)
    if next_due is not None and _to_minute(next_due) == _to_minute(locked.next_due):
        next_due = locked.next_due  # left as it was (the form shows minutes)
    frameworks, sections, every_months = _validate_schedule(
        frameworks, sections, every_months, next_due, unchanged_due=locked.next_due
    )
    changed = model_update(
        locked,
        data={
            "frameworks": frameworks,
            "sections": sections,
            "every_months": every_months,
            "next_due": next_due,
        },
        fields=["frameworks", "sections", "every_months", "next_due"],
    )
    schedule.refresh_from_db()
    return changed


@transaction.atomic
def schedule_set_active(*, actor: Actor, schedule: PackSchedule, active: bool) -> PackSchedule:
    """Pause or resume. A resumed schedule whose next run passed while paused runs at its
    next period still to come: pausing skips periods, resuming does not catch them up."""
    policy.require(actor, "change", schedule)
    locked = PackSchedule.objects.select_for_update().get(pk=schedule.pk)
    data = {"active": active}
    if active:
        data["next_due"] = _next_future(locked.next_due, locked.every_months, timezone.now())
    model_update(locked, data=data, fields=["active", "next_due"])
    schedule.refresh_from_db()
    return schedule


@transaction.atomic
def schedule_delete(*, actor: Actor, schedule: PackSchedule) -> None:
    """The schedule goes; the packs it made stay, no longer linked to it."""
    policy.require(actor, "delete", schedule)
    schedule.delete()


def schedules_run_due(*, now: datetime | None = None) -> int:
    """The beat's sweep, in one organisation's context: request the pack of every active
    schedule whose next run has passed, as of that moment, and move the schedule on. Runs
    twice for the same period make one pack: a concurrent run waits on the row lock and then
    finds the schedule moved on, and the database keeps one pack per schedule and period."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        due = PackSchedule.objects.select_for_update(skip_locked=True).filter(
            active=True, next_due__lte=now
        )
        for schedule in due:
            try:
                with transaction.atomic():
                    pack_request(
                        actor=None,
                        frameworks=schedule.frameworks,
                        sections=schedule.sections,
                        as_of=schedule.next_due,
                        schedule=schedule,
                        schedule_period=schedule.next_due,
                    )
                count += 1
            except IntegrityError:  # this period's pack exists already
                pass
            schedule.next_due = _next_future(schedule.next_due, schedule.every_months, now)
            schedule.save(update_fields=["next_due"])
    return count
