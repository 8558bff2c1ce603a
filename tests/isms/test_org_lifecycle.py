"""An organisation's data lifecycle (issue 18): export, import into a new organisation, and
deletion under forced row-level security (ISO/IEC 27001:2022 control 5.33 protection of
records, 8.10 information deletion; GDPR Art. 17/20 portability and erasure of a tenant).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from isms.access import Actor
from isms.controls.loader import load_control_library
from isms.demo import load_demo
from isms.errors import Conflict, NotPermitted
from isms.lifecycle import format as fmt
from isms.lifecycle.deletion import deletion_cancel, deletion_complete, deletion_request
from isms.lifecycle.export import export_build, export_request, write_export
from isms.lifecycle.importer import ImportRefused, import_organization
from isms.models import (
    AuditEvent,
    Membership,
    Organization,
    OrganizationDeletion,
    OrganizationExport,
    OrganizationImport,
    Role,
)
from isms.tenancy import tenant_context, tenant_models
from tests.factories import OBJECT_FACTORIES, load_all_factories, make_object

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])
User = get_user_model()


def _counts(organization_id: int) -> dict[str, int]:
    with tenant_context(organization_id):
        return {
            m._meta.label: m._base_manager.filter(organization_id=organization_id).count()
            for m in tenant_models()
        }


@pytest.fixture
def two_orgs(db):
    """The demo organisation (full demo data, one stored file) and a second organisation
    with one object of every model that has a factory, and a file of its own."""
    load_control_library()
    demo = load_demo()
    other = Organization.objects.get(slug="northwind")
    load_all_factories()
    made = 0
    for model in tenant_models():
        if model in OBJECT_FACTORIES and model._meta.label not in fmt.EXCLUDED_MODELS:
            try:
                make_object(model, other)
                made += 1
            except Exception:
                pass
    assert made > 40
    default_storage.save(f"org-{other.pk}/evidence/northwind-secret.txt", ContentFile(b"nw"))
    return demo, other


def _actor(organization, role=Role.ADMIN):
    n = User.objects.count()
    user = User.objects.create_user(
        username=f"{role}-{n}-{organization.slug}@x.example",
        email=f"{role}-{n}-{organization.slug}@x.example",
    )
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    return Actor.for_membership(membership)


def _compare(source_id: int, result) -> dict[str, int]:
    """Every exported row is in the new organisation with the same content; foreign keys
    point at the corresponding new rows (ids mapped), files hold the same bytes."""
    checked = {}
    for model in fmt.exported_models():
        label = model._meta.label
        with tenant_context(source_id):
            old = list(model._base_manager.filter(organization_id=source_id).values())
        with tenant_context(result.organization.pk):
            new = {
                r["id"]: r
                for r in model._base_manager.filter(organization_id=result.organization.pk).values()
            }
        # The new organisation also holds the record of its own import.
        assert len(new) == len(old) + (label == "isms.OrganizationImport"), label
        loose = fmt.loose_references(model)
        for row in old:
            copy = new[result.ids[label][row["id"]]]
            for f in model._meta.concrete_fields:
                a, b = row[f.attname], copy[f.attname]
                if f.primary_key or f.name == "organization" or f.attname in loose:
                    continue
                if f.is_relation and a is not None:
                    target = f.related_model
                    if target is User:
                        assert b == result.users[a], (label, f.name)
                    elif target._meta.label in result.ids:
                        assert b == result.ids[target._meta.label][a], (label, f.name)
                    else:  # the control library, permissions: the same installation
                        assert b == a, (label, f.name)
                elif (
                    isinstance(f, models.FileField) and a and b != a
                ):  # a missing one keeps its name
                    with default_storage.open(a) as x, default_storage.open(b) as y:
                        assert x.read() == y.read(), (label, f.name)
                    assert b.startswith(f"org-{result.organization.pk}/")
                else:
                    assert b == a, (label, f.name, a, b)
        checked[label] = len(old)
    return checked


def test_round_trip_loses_nothing_and_takes_nothing_of_another_organisation(two_orgs, capsys):
    demo, other = two_orgs
    organization = demo.organization
    with tenant_context(organization.pk):
        from assets.models import ResponsibleAIEvaluation

        evaluation = ResponsibleAIEvaluation.objects.first()
        evaluation.evidence.save("bias-report.pdf", ContentFile(b"%PDF-1.4 demo"), save=True)
    before_other = _counts(other.pk)

    started = time.monotonic()
    buffer = io.BytesIO()
    with tenant_context(organization.pk):
        exported = write_export(buffer, export_id="demo-1")
    export_seconds = time.monotonic() - started

    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    manifest = json.loads(archive.read(fmt.MANIFEST))
    assert manifest["format"] == fmt.FORMAT and manifest["format_version"] == 1
    # Nothing of the second organisation: none of its ids, people or files.
    for label, entry in manifest["models"].items():
        model = next(m for m in tenant_models() if m._meta.label == label)
        ids = {r["id"] for r in json.loads(archive.read(entry["file"]))["rows"]}
        with tenant_context(other.pk):
            theirs = set(model._base_manager.values_list("id", flat=True))
        assert not ids & theirs, label
    people = json.loads(archive.read(fmt.PEOPLE))
    other_only = set(
        Membership.objects.filter(organization=other)
        .exclude(user__memberships__organization=organization)
        .values_list("user__email", flat=True)
    )
    assert other_only and not other_only & {u["email"] for u in people["users"]}
    assert not [n for n in archive.namelist() if "northwind" in n]
    assert all(f["name"].startswith(f"org-{organization.pk}/") for f in manifest["files"])
    trail = json.loads(archive.read(fmt.AUDIT_TRAIL))
    assert {e["organization_id"] for e in trail["events"]} == {organization.pk}
    assert trail["verification"]["intact"]

    started = time.monotonic()
    result = import_organization(
        io.BytesIO(buffer.getvalue()), name="Demo Corp (restored)", actor="test"
    )
    import_seconds = time.monotonic() - started
    checked = _compare(organization.pk, result)
    assert result.files == exported.files >= 1
    assert _counts(other.pk) == before_other
    # The people came along by e-mail (matched, not duplicated) with their roles.
    roles = lambda org: sorted(  # noqa: E731
        Membership.objects.filter(organization=org).values_list("user__email", "role")
    )
    assert roles(result.organization) == roles(organization)
    # One event says where the organisation came from; the old trail is attached, not forged.
    with tenant_context(result.organization.pk):
        record = OrganizationImport.objects.get()
        assert record.source_export_id == "demo-1"
        assert json.loads(record.audit_trail.read())["events"] == trail["events"]
        assert AuditEvent.objects.filter(
            table_name="isms_organizationimport", action="insert"
        ).exists()
        from isms.audit_chain import verify_chain

        assert verify_chain(result.organization.pk).intact
    with capsys.disabled():
        print(
            f"\nround trip: {sum(checked.values())} rows of {len(checked)} models "
            f"({sum(1 for v in checked.values() if v)} with rows), {exported.files} files, "
            f"{exported.audit_events} audit events; export {export_seconds:.2f}s, "
            f"import {import_seconds:.2f}s, ZIP {len(buffer.getvalue())} bytes"
        )
        print({k: v for k, v in sorted(checked.items()) if v})


def test_import_refuses_a_damaged_or_foreign_zip_and_changes_nothing(two_orgs, tmp_path):
    demo, _ = two_orgs
    buffer = io.BytesIO()
    with tenant_context(demo.organization.pk):
        write_export(buffer)
    before = Organization.objects.count()
    damaged = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src,
        zipfile.ZipFile(damaged, "w") as dst,
    ):
        for item in src.infolist():
            content = src.read(item)
            if item.filename == fmt.data_file("assets.Asset"):
                content = content.replace(b"Churn", b"Chunk")
            dst.writestr(item, content)
    with pytest.raises(ImportRefused, match=r"assets\.Asset\.json does not match its SHA-256"):
        import_organization(io.BytesIO(damaged.getvalue()), name="Tampered")
    with pytest.raises(ImportRefused, match="not a ZIP"):
        import_organization(io.BytesIO(b"hello"), name="Nothing")
    assert Organization.objects.count() == before
    # The command answers with the same words.
    path = tmp_path / "damaged.zip"
    path.write_bytes(damaged.getvalue())
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Import refused"):
        call_command("import_organization", str(path), "--name", "Tampered")


def test_the_export_task_stores_a_zip_under_the_organisation(two_orgs):
    demo, other = two_orgs
    actor = _actor(demo.organization)
    export = export_request(organization=demo.organization, actor=actor)
    with tenant_context(demo.organization.pk):
        done = export_build(export_id=export.pk)
    assert done.status == OrganizationExport.Status.READY
    assert done.file.name.startswith(f"org-{demo.organization.pk}/exports/")
    assert done.rows["assets.Asset"] > 0 and done.size > 0
    with tenant_context(other.pk):
        assert not OrganizationExport.objects.filter(pk=export.pk).exists()


def test_deleting_the_demo_organisation_under_forced_rls_keeps_the_other_and_the_trail(
    two_orgs, capsys
):
    demo, other = two_orgs
    organization = demo.organization
    admin = _actor(organization)
    before_other = _counts(other.pk)
    members_other = Membership.objects.filter(organization=other).count()
    with pytest.raises(ValidationError):
        deletion_request(organization=organization, actor=admin, confirm_slug="dem")
    request = deletion_request(organization=organization, actor=admin, confirm_slug="demo")
    organization.refresh_from_db()
    grace = timedelta(days=settings.ORGANIZATION_DELETION_GRACE_DAYS)
    assert organization.deletion_due_at == request.due_at == request.requested_at + grace
    with pytest.raises(Conflict):
        deletion_request(organization=organization, actor=admin, confirm_slug="demo")
    # Not yet due: nothing happens.
    assert deletion_complete(organization_id=organization.pk) is None

    result = deletion_complete(
        organization_id=organization.pk, now=request.due_at + timedelta(seconds=1)
    )
    assert result is not None and result.total > 100
    assert result.role == settings.DATABASE_APP_USER  # not the owner, not a superuser
    left = _counts(organization.pk)
    assert {k: v for k, v in left.items() if v} == {"isms.OrganizationDeletion": 1}
    assert _counts(other.pk) == before_other
    assert Membership.objects.filter(organization=other).count() == members_other
    assert not Membership.objects.filter(organization=organization).exists()
    organization.refresh_from_db()
    assert organization.deleted_at is not None and organization.deletion_due_at is None
    with tenant_context(organization.pk):
        done = OrganizationDeletion.objects.get()
        assert done.completed_at and done.rows_deleted["assets.Asset"] > 0
        events = AuditEvent.objects.filter(table_name="isms_organizationdeletion")
        assert sorted(events.values_list("action", flat=True)) == ["insert", "update"]
        assert AuditEvent.objects.filter(table_name="assets_asset").exists()  # history kept
        from isms.audit_chain import verify_chain

        assert verify_chain(organization.pk).intact
    with capsys.disabled():
        print(
            f"\ndeletion: {result.total} rows of "
            f"{sum(1 for v in result.rows.values() if v)} tables in {result.seconds:.2f}s "
            f"as {result.role}"
        )


def test_a_cancelled_request_deletes_nothing(two_orgs):
    demo, _ = two_orgs
    organization = demo.organization
    admin = _actor(organization)
    before = _counts(organization.pk)
    request = deletion_request(organization=organization, actor=admin, confirm_slug="demo")
    deletion_cancel(organization=organization, actor=_actor(organization, Role.ADMIN))
    assert (
        deletion_complete(organization_id=organization.pk, now=request.due_at + timedelta(days=1))
        is None
    )
    after = _counts(organization.pk)
    assert after.pop("isms.OrganizationDeletion") == 1
    before.pop("isms.OrganizationDeletion")
    assert after == before
    organization.refresh_from_db()
    assert organization.deleted_at is None and organization.deletion_due_at is None


def test_only_an_admin_of_the_organisation_may_request_or_cancel(org_a, org_b):
    for role in (Role.OFFICER, Role.CONTRIBUTOR, Role.AUDITOR):
        with pytest.raises(NotPermitted):
            deletion_request(organization=org_a, actor=_actor(org_a, role), confirm_slug="alpha")
    with pytest.raises(NotPermitted):  # an admin of another organisation
        deletion_request(organization=org_a, actor=_actor(org_b), confirm_slug="alpha")
    deletion_request(organization=org_a, actor=_actor(org_a), confirm_slug="alpha")
    with pytest.raises(NotPermitted):
        deletion_cancel(organization=org_a, actor=_actor(org_a, Role.OFFICER))
    with tenant_context(org_b.pk):  # the other organisation cannot see the request
        assert not OrganizationDeletion.objects.exists()
    assert Organization.objects.get(pk=org_b.pk).deletion_due_at is None


def test_grace_period_is_a_setting(org_a, settings):
    settings.ORGANIZATION_DELETION_GRACE_DAYS = 7
    request = deletion_request(organization=org_a, actor=_actor(org_a), confirm_slug="alpha")
    assert request.due_at - request.requested_at == timedelta(days=7)
    assert timezone.now() < request.due_at
