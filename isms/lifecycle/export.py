"""Export all of one organisation's data as a ZIP (format: isms.lifecycle.format,
docs/org-export.md).

It runs in the organisation's tenant context as the application role, so row-level
security, not only the query, keeps every other organisation out; the people it names are
the members, the invited and the users its rows refer to. Files go through Django's storage
API. The ZIP is built in a temporary file and stored under the organisation's prefix.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from isms.audit_chain import verify_chain
from isms.lifecycle import format as fmt
from isms.models import (
    AuditEvent,
    Control,
    Framework,
    Invitation,
    Membership,
    Organization,
    OrganizationExport,
)
from isms.tenancy import current_organization_id, tenant_context

User = get_user_model()
log = logging.getLogger(__name__)
USER_FIELDS = ("id", "email", "username", "first_name", "last_name", "is_active")
MEMBERSHIP_FIELDS = ("user_id", "role", "expires_at", "top_management", "created")
INVITATION_FIELDS = (
    "id",
    "email",
    "role",
    "invited_by_id",
    "created",
    "expires_at",
    "accepted_at",
    "accepted_by_id",
    "revoked_at",
    "membership_expires_at",
)


@dataclass
class ExportResult:
    export_id: str
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    audit_events: int = 0
    seconds: float = 0.0


def _rows(model: type[models.Model], organization_id: int) -> tuple[list[str], list[dict]]:
    names = [f.attname for f in model._meta.concrete_fields if f.name != "organization"]
    rows = list(
        model._base_manager.filter(organization_id=organization_id).order_by("pk").values(*names)
    )
    return names, rows


def _file_entries(model, rows) -> list[tuple[str, dict]]:
    """(storage name, manifest entry) of every stored file the rows name."""
    entries = []
    for f in model._meta.concrete_fields:
        if not isinstance(f, models.FileField):
            continue
        for row in rows:
            name = row[f.attname]
            if name:
                path = f"{fmt.FILES_DIR}/{model._meta.label}/{row['id']}/{f.name}/"
                path += PurePosixPath(name).name
                entries.append(
                    (
                        name,
                        {
                            "path": path,
                            "model": model._meta.label,
                            "id": row["id"],
                            "field": f.name,
                            "name": name,
                        },
                    )
                )
    return entries


def _referenced(models_rows, target) -> set[int]:
    ids: set[int] = set()
    for model, rows in models_rows:
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is target:
                ids |= {r[f.attname] for r in rows if r[f.attname] is not None}
    return ids


def _add(archive: zipfile.ZipFile, name: str, content: bytes, manifest_entry: dict) -> None:
    archive.writestr(name, content)
    manifest_entry["sha256"] = hashlib.sha256(content).hexdigest()
    manifest_entry["bytes"] = len(content)


def write_export(target, *, export_id: str | None = None) -> ExportResult:
    """Write the ZIP of the organisation in context to the binary file `target`."""
    started = time.monotonic()
    organization_id = current_organization_id()
    organization = Organization.objects.get(pk=organization_id)
    result = ExportResult(export_id=export_id or uuid.uuid4().hex)
    manifest: dict = {
        "format": fmt.FORMAT,
        "format_version": fmt.FORMAT_VERSION,
        "export_id": result.export_id,
        "exported_at": timezone.now(),
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "slug": organization.slug,
            "created": organization.created,
            "require_two_factor": organization.require_two_factor,
        },
        "excluded_models": list(fmt.EXCLUDED_MODELS),
        "models": {},
        "files": [],
    }
    models_rows = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model in fmt.exported_models():
            names, rows = _rows(model, organization_id)
            models_rows.append((model, rows))
            entry = {
                "file": fmt.data_file(model._meta.label),
                "table": model._meta.db_table,
                "rows": len(rows),
            }
            loose = fmt.loose_references(model)
            if loose:
                entry["loose_references"] = loose
            document = {"model": model._meta.label, "fields": names, "rows": rows}
            _add(archive, entry["file"], fmt.dumps(document), entry)
            manifest["models"][model._meta.label] = entry
            result.rows[model._meta.label] = len(rows)
            for name, file_entry in _file_entries(model, rows):
                try:
                    with default_storage.open(name, "rb") as source:
                        content = source.read()
                except (FileNotFoundError, OSError):
                    file_entry["missing"] = True
                else:
                    _add(archive, file_entry["path"], content, file_entry)
                    result.files += 1
                manifest["files"].append(file_entry)

        memberships = list(
            Membership.objects.filter(organization_id=organization_id)
            .order_by("pk")
            .values(*MEMBERSHIP_FIELDS)
        )
        invitations = list(
            Invitation.objects.filter(organization_id=organization_id)
            .order_by("pk")
            .values(*INVITATION_FIELDS)
        )
        user_ids = _referenced(models_rows, User) | {m["user_id"] for m in memberships}
        user_ids |= {i[k] for i in invitations for k in ("invited_by_id", "accepted_by_id") if i[k]}
        users = list(User.objects.filter(pk__in=user_ids).order_by("pk").values(*USER_FIELDS))
        people = {"users": users, "memberships": memberships, "invitations": invitations}
        manifest["people"] = {"file": fmt.PEOPLE, "users": len(users)}
        _add(archive, fmt.PEOPLE, fmt.dumps(people), manifest["people"])

        references = {
            "isms.Framework": {
                str(pk): code
                for pk, code in Framework.objects.filter(
                    pk__in=_referenced(models_rows, Framework)
                ).values_list("pk", "code")
            },
            "isms.Control": {
                str(pk): [code, ref]
                for pk, code, ref in Control.objects.filter(
                    pk__in=_referenced(models_rows, Control)
                ).values_list("pk", "framework__code", "ref")
            },
            "auth.Permission": {
                str(pk): [app, codename]
                for pk, app, codename in Permission.objects.filter(
                    pk__in=_referenced(models_rows, Permission)
                ).values_list("pk", "content_type__app_label", "codename")
            },
        }
        manifest["references"] = {"file": fmt.REFERENCES}
        _add(archive, fmt.REFERENCES, fmt.dumps(references), manifest["references"])

        events = list(
            AuditEvent.objects.order_by("chain_position", "id").values(
                *[f.attname for f in AuditEvent._meta.concrete_fields]
            )
        )
        trail = {"events": events, "verification": verify_chain(organization_id).as_dict()}
        manifest["audit_trail"] = {"file": fmt.AUDIT_TRAIL, "events": len(events)}
        _add(archive, fmt.AUDIT_TRAIL, fmt.dumps(trail), manifest["audit_trail"])
        result.audit_events = len(events)
        archive.writestr(fmt.MANIFEST, fmt.dumps(manifest))
    result.seconds = time.monotonic() - started
    return result


def export_request(*, organization: Organization, actor) -> OrganizationExport:
    """Record an admin's request (the task builds it); a write of the request's tenant."""
    with tenant_context(organization.pk, actor_id=actor.user_id, actor=actor.label):
        export = OrganizationExport.objects.create(requested_by=actor.user)
        organization_id, export_id = organization.pk, export.pk

        def send():
            from isms.tasks import build_organization_export

            try:
                build_organization_export.delay(
                    organization_id=organization_id, export_id=export_id
                )
            except Exception:  # a broker outage: the request stays queued, the admin sees it
                log.exception("Could not queue organisation export %s", export_id)

        transaction.on_commit(send)
    return export


def export_build(*, export_id: int) -> OrganizationExport:
    """Build the ZIP of an export request of the organisation in context (the task's body)."""
    export = OrganizationExport.objects.select_for_update().get(pk=export_id)
    if export.status == OrganizationExport.Status.READY:
        return export  # a task delivered twice builds once
    export.status = OrganizationExport.Status.RUNNING
    export.save(update_fields=["status"])
    try:
        with tempfile.TemporaryFile() as tmp, transaction.atomic():
            result = write_export(tmp, export_id=f"{export.organization_id}-{export.pk}")
            size = tmp.tell()
            tmp.seek(0)
            digest = hashlib.file_digest(tmp, "sha256").hexdigest()
            tmp.seek(0)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            export.file.save(f"organization-export-{stamp}-{export.pk}.zip", File(tmp), save=False)
    except Exception as error:  # recorded for the admin (and logged): the task's
        # transaction commits the failure instead of rolling the request back
        log.exception("export %s of organisation %s failed", export.pk, export.organization_id)
        export.status = OrganizationExport.Status.FAILED
        export.error = f"{type(error).__name__}: {error}"[:2000]
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        return export
    export.status = OrganizationExport.Status.READY
    export.size = size
    export.sha256 = digest
    export.rows = result.rows
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "size", "sha256", "rows", "finished_at", "file"])
    return export
