"""Import an organisation export (isms.lifecycle.format) into a NEW organisation.

All or nothing, in one transaction of the owner alias:
- the ZIP is checked first (format and version, every part's SHA-256, every model and field
  known to this installation, every control, framework and permission it names present);
  a refusal names the problem and changes nothing;
- people are matched by e-mail address (case-insensitive) or created without a usable
  password (they set one through "forgotten password"); memberships are recreated;
  invitations are kept as records, with a fresh secret, so an old link never works;
- every row gets a new primary key (taken from its table's sequence) and every foreign key,
  and every declared loose reference (`loose_references`), follows its row;
- the rows are inserted as the application role in the new organisation's tenant context
  (isms.lifecycle.purge.guards_off: approved and published records are inserted as they
  are, which their guard triggers otherwise refuse); the audit trigger stays on, so each
  row's creation is an event of the new organisation's chain, by "import of export <id>";
- files are stored again under the new organisation's prefix;
- the exported audit trail is not forged into the new chain: it is attached, as it was, to
  the `OrganizationImport` record, whose insert is the event "imported from export <id>".
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg2.extras import execute_values

from isms.lifecycle import format as fmt
from isms.lifecycle.purge import guards_off
from isms.models import (
    Control,
    Framework,
    Invitation,
    Membership,
    Organization,
    OrganizationImport,
)
from isms.services.organizations import new_slug
from isms.tenancy import tenant_context

User = get_user_model()


class ImportRefused(ValueError):
    """The ZIP cannot be imported; the message names the problem. Nothing was changed."""


@dataclass
class ImportResult:
    organization: Organization
    export_id: str
    rows: dict[str, int] = field(default_factory=dict)
    ids: dict[str, dict[int, int]] = field(default_factory=dict)  # label -> {old: new}
    users: dict[int, int] = field(default_factory=dict)  # old user id -> user id here
    users_created: int = 0
    files: int = 0
    unresolved: int = 0  # loose references whose row was not in the export (kept as they were)
    seconds: float = 0.0


def _read(archive: zipfile.ZipFile, name: str, entry: dict | None = None) -> bytes:
    try:
        content = archive.read(name)
    except KeyError:
        raise ImportRefused(f"The ZIP has no {name}.") from None
    if entry is not None and hashlib.sha256(content).hexdigest() != entry.get("sha256"):
        raise ImportRefused(f"{name} does not match its SHA-256 in the manifest.")
    return content


def _load(archive, name, entry=None):
    try:
        return json.loads(_read(archive, name, entry))
    except json.JSONDecodeError as error:
        raise ImportRefused(f"{name} is not valid JSON: {error}") from None


@dataclass
class _Plan:
    manifest: dict
    documents: list[tuple[type[models.Model], dict]]
    people: dict
    references: dict[str, dict[str, int]]  # label -> {old id: id here}
    trail: bytes


def _check(archive: zipfile.ZipFile) -> _Plan:
    manifest = _load(archive, fmt.MANIFEST)
    if manifest.get("format") != fmt.FORMAT:
        raise ImportRefused(f"Not an organisation export (format {manifest.get('format')!r}).")
    if manifest.get("format_version") != fmt.FORMAT_VERSION:
        raise ImportRefused(
            f"Export format version {manifest.get('format_version')!r} is not supported "
            f"(this installation reads version {fmt.FORMAT_VERSION})."
        )
    allowed = {m._meta.label: m for m in fmt.exported_models()}
    documents = []
    for label, entry in manifest.get("models", {}).items():
        model = allowed.get(label)
        if model is None:
            raise ImportRefused(f"Model {label} is not one this installation imports.")
        document = _load(archive, entry["file"], entry)
        known = {f.attname for f in model._meta.concrete_fields}
        unknown = sorted(set(document.get("fields", [])) - known)
        if unknown:
            raise ImportRefused(f"{label} has fields this installation does not know: {unknown}.")
        documents.append((model, document))
    people = _load(archive, fmt.PEOPLE, manifest.get("people"))
    raw = _load(archive, fmt.REFERENCES, manifest.get("references"))
    references: dict[str, dict[str, int]] = {}
    frameworks = dict(Framework.objects.values_list("code", "pk"))
    references["isms.Framework"] = {}
    for old, code in raw.get("isms.Framework", {}).items():
        if code not in frameworks:
            raise ImportRefused(f"Framework {code} is not in this installation's library.")
        references["isms.Framework"][old] = frameworks[code]
    controls = {
        (code, ref): pk
        for pk, code, ref in Control.objects.values_list("pk", "framework__code", "ref")
    }
    references["isms.Control"] = {}
    for old, (code, ref) in raw.get("isms.Control", {}).items():
        if (code, ref) not in controls:
            raise ImportRefused(f"Control {code} {ref} is not in this installation's library.")
        references["isms.Control"][old] = controls[(code, ref)]
    permissions = {
        (app, codename): pk
        for pk, app, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    references["auth.Permission"] = {}
    for old, (app, codename) in raw.get("auth.Permission", {}).items():
        if (app, codename) not in permissions:
            raise ImportRefused(f"Permission {app}.{codename} is not in this installation.")
        references["auth.Permission"][old] = permissions[(app, codename)]
    trail = _read(archive, fmt.AUDIT_TRAIL, manifest.get("audit_trail"))
    return _Plan(manifest, documents, people, references, trail)


def _match_users(people: dict, result: ImportResult, using: str) -> None:
    manager = User._default_manager.db_manager(using)
    for person in people.get("users", []):
        email = (person.get("email") or "").strip()
        user = manager.filter(email__iexact=email).order_by("pk").first() if email else None
        if user is None:
            user = manager.filter(username=person["username"]).first()
        if user is None:
            user = manager.create_user(
                username=person["username"],
                email=email,
                first_name=person.get("first_name", ""),
                last_name=person.get("last_name", ""),
            )  # no password: an unusable one
            result.users_created += 1
        result.users[person["id"]] = user.pk


def _people(plan: _Plan, organization: Organization, result: ImportResult, using: str) -> None:
    _match_users(plan.people, result, using)
    users = result.users
    Membership.objects.using(using).bulk_create(
        Membership(
            organization=organization,
            user_id=users[m["user_id"]],
            role=m["role"],
            expires_at=parse_datetime(m["expires_at"]) if m["expires_at"] else None,
            top_management=m["top_management"],
            created=parse_datetime(m["created"]),
        )
        for m in plan.people.get("memberships", [])
    )
    invitations = result.ids.setdefault("isms.Invitation", {})
    for i in plan.people.get("invitations", []):
        dates = {
            k: parse_datetime(i[k]) if i[k] else None
            for k in ("created", "expires_at", "accepted_at", "revoked_at", "membership_expires_at")
        }
        invitation = Invitation.objects.using(using).create(
            organization=organization,
            email=i["email"],
            role=i["role"],
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            invited_by_id=users.get(i["invited_by_id"]),
            accepted_by_id=users.get(i["accepted_by_id"]),
            **dates,
        )
        invitations[i["id"]] = invitation.pk


def _allocate(cursor, plan: _Plan, result: ImportResult) -> None:
    for model, document in plan.documents:
        rows = document["rows"]
        pk = model._meta.pk
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        new = [r[0] for r in cursor.fetchall()]
        result.ids[model._meta.label] = {
            row[pk.attname]: n for row, n in zip(rows, new, strict=True)
        }


def _target(model_field: models.Field, value, plan: _Plan, result: ImportResult):
    related = model_field.related_model
    if related is User:
        mapping = result.users
    elif related._meta.label in plan.references:
        mapping = {int(k): v for k, v in plan.references[related._meta.label].items()}
    else:
        mapping = result.ids.get(related._meta.label)
    if mapping is None or value not in mapping:
        if model_field.null:
            return None
        raise ImportRefused(
            f"{model_field.model._meta.label}.{model_field.name} refers to "
            f"{related._meta.label} {value}, which the export does not hold."
        )
    return mapping[value]


def _tables(plan: _Plan) -> dict[str, str]:
    return {m._meta.db_table: m._meta.label for m, _ in plan.documents}


def _loose(model, row: dict, plan: _Plan, result: ImportResult) -> None:
    for column, (discriminator, targets) in fmt.loose_references(model).items():
        value = row.get(column)
        if value in (None, ""):
            continue
        kind = row.get(discriminator)
        label = _tables(plan).get(kind) if targets == "db_table" else targets.get(kind)
        mapping = result.ids.get(label or "", {})
        try:
            old = int(value)
        except (TypeError, ValueError):
            result.unresolved += 1
            continue
        if old in mapping:
            row[column] = type(value)(mapping[old])
        else:
            result.unresolved += 1


def _restore_files(archive, plan: _Plan, result: ImportResult, saved: list[str]) -> dict:
    """{(label, old id, field name): new storage name} of the files in the ZIP."""
    renamed = {}
    new_prefix = f"org-{result.organization.pk}/"
    old_prefix = f"org-{plan.manifest['organization']['id']}/"
    for entry in plan.manifest.get("files", []):
        if entry.get("missing"):
            continue
        content = _read(archive, entry["path"], entry)
        name = entry["name"]
        name = (
            new_prefix + name[len(old_prefix) :]
            if name.startswith(old_prefix)
            else new_prefix + "imported/" + PurePosixPath(name).name
        )
        stored = default_storage.save(name, ContentFile(content))
        saved.append(stored)
        renamed[(entry["model"], entry["id"], entry["field"])] = stored
        result.files += 1
    return renamed


def _insert(cursor, plan: _Plan, result: ImportResult, renamed: dict) -> None:
    connection = cursor.db
    organization_id = result.organization.pk
    for model, document in plan.documents:
        label = model._meta.label
        names = document["fields"]
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        columns = [by_attname[n].column for n in names] + ["organization_id"]
        values = []
        for source in document["rows"]:
            row = dict(source)
            old_id = row[model._meta.pk.attname]
            _loose(model, row, plan, result)
            prepared = []
            for name in names:
                f = by_attname[name]
                value = row.get(name)
                if f.primary_key:
                    value = result.ids[label][value]
                elif f.is_relation and value is not None:
                    value = _target(f, value, plan, result)
                elif isinstance(f, models.FileField):
                    value = renamed.get((label, old_id, f.name), value or "")
                else:
                    value = f.to_python(value) if value is not None else None
                prepared.append(f.get_db_prep_save(value, connection))
            values.append([*prepared, organization_id])
        if values:
            execute_values(
                cursor.cursor,
                'INSERT INTO "{}" ({}) VALUES %s'.format(
                    model._meta.db_table, ", ".join(f'"{c}"' for c in columns)
                ),
                values,
                page_size=500,
            )
        result.rows[label] = len(values)


def import_organization(
    source, *, name: str, slug: str | None = None, actor: str = "", using: str = "owner"
) -> ImportResult:
    """Import the ZIP `source` (a path or a binary file) as a new organisation `name`."""
    started = time.monotonic()
    digest = hashlib.sha256()
    handle = open(source, "rb") if isinstance(source, str) else source  # noqa: SIM115
    try:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        handle.seek(0)
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile:
            raise ImportRefused("The file is not a ZIP archive.") from None
        with archive:
            plan = _check(archive)
            return _import(archive, plan, name, slug, actor, digest.hexdigest(), using, started)
    finally:
        if isinstance(source, str):
            handle.close()


def _import(archive, plan, name, slug, actor, digest, using, started) -> ImportResult:
    export_id = str(plan.manifest.get("export_id", ""))
    label = f"import of export {export_id}"
    saved: list[str] = []
    try:
        with transaction.atomic(using=using):
            organization = Organization(name=name, slug=slug or new_slug(name))
            try:
                organization.full_clean(validate_unique=False)
                with transaction.atomic(using=using):
                    # No post_save: the starter rows a new organisation gets (profile, risk
                    # criteria, SoA rows…) come from the export, as they were.
                    Organization.objects.using(using).bulk_create([organization])
            except ValidationError as error:
                raise ImportRefused("; ".join(error.messages)) from None
            except IntegrityError:
                raise ImportRefused(f"The address {organization.slug} is taken.") from None
            result = ImportResult(organization=organization, export_id=export_id)
            _people(plan, organization, result, using)
            tables = [m._meta.db_table for m, d in plan.documents if d["rows"]]
            with connections[using].cursor() as cursor:
                with guards_off(tables, using=using, audit=False):
                    with tenant_context(organization.pk, actor=label, using=using):
                        _allocate(cursor, plan, result)
                        renamed = _restore_files(archive, plan, result, saved)
                        _insert(cursor, plan, result, renamed)
            with tenant_context(organization.pk, actor=actor or label, using=using):
                source = plan.manifest["organization"]
                record = OrganizationImport(
                    organization=organization,
                    source_organization=f"{source['name']} ({source['slug']})",
                    source_export_id=export_id,
                    source_sha256=digest,
                    format_version=plan.manifest["format_version"],
                    exported_at=parse_datetime(plan.manifest["exported_at"]),
                    imported_by=actor or "import_organization",
                    imported_at=timezone.now(),
                    rows=result.rows,
                    audit_events=plan.manifest.get("audit_trail", {}).get("events", 0),
                )
                record.audit_trail.save(
                    f"audit-trail-of-export-{export_id}.json", ContentFile(plan.trail), save=False
                )
                saved.append(record.audit_trail.name)
                record.save(using=using)
    except BaseException:
        for stored in saved:  # the rows are rolled back: so are the files
            default_storage.delete(stored)
        raise
    result.seconds = time.monotonic() - started
    return result
