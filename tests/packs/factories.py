"""Makers of evidence packs for the generic suites (tests/factories.py)."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

from monitoring.packs import signing
from monitoring.packs.models import EvidencePack, PackSchedule, PackSigningKey, PackStatus
from tests.factories import object_factory

PDF = b"%PDF-1.7\n% a stand-in for a rendered pack\n"
ZIP = b"PK\x05\x06" + b"\x00" * 18


@object_factory(EvidencePack)
def make_pack(organization):
    """A finished pack (files stored, as a render leaves it): inserted done, never updated."""
    pack = EvidencePack(
        frameworks=["iso27001-2022"],
        sections=["suppliers"],
        as_of=timezone.now(),
        status=PackStatus.DONE,
        sections_total=1,
        sections_done=1,
        page_count=2,
        finished_at=timezone.now(),
        pdf_sha256=hashlib.sha256(PDF + str(organization.pk).encode()).hexdigest(),
        bundle_sha256=hashlib.sha256(ZIP + str(organization.pk).encode()).hexdigest(),
        manifest={"files": []},
    )
    pack.organization_id = organization.pk
    pack.pdf.save("pack.pdf", ContentFile(PDF + str(organization.pk).encode()), save=False)
    pack.bundle.save("pack.zip", ContentFile(ZIP + str(organization.pk).encode()), save=False)
    pack.save()
    return pack


@object_factory(PackSchedule)
def make_schedule(organization):
    return PackSchedule.objects.create(
        frameworks=["iso27001-2022"], sections=["suppliers"], next_due=timezone.now()
    )


@object_factory(PackSigningKey)
def make_key(organization):
    return signing.signing_key()


def iso_soa_row(organization, ref: str = "5.1", title: str = "Policies for security"):
    """The organisation's SoA row of an ISO/IEC 27001 library control (the framework code a
    pack asks for), made as the library's loader makes it."""
    from isms.models import Control, Framework
    from isms.signals import control_library_loaded
    from risks.models import SoARow

    framework, _ = Framework.objects.get_or_create(
        code="iso27001-2022", defaults={"name": "ISO/IEC 27001:2022"}
    )
    control, created = Control.objects.get_or_create(
        framework=framework,
        ref=ref,
        defaults={"group": "Organizational", "title": title, "description": "A test control"},
    )
    if created:
        control_library_loaded.send(sender=Framework, created=1)
    return SoARow.objects.get(organization=organization, control=control)
