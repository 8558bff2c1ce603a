"""Files in an S3-compatible bucket (DESIGN.md, Running it: several web and worker machines
share uploads and packs): the storage configured from the AWS_* environment variables
(isms.settings.s3_storage), against moto's S3 server started by the test. An evidence file
uploaded through the page lands in the bucket, a pack requested through the page is rendered
by its Celery task into the bucket, downloads stream back from it, and the downloaded PDF is
verified as the organisation's pack with its evidence file attached (control 5.33, records)."""

from __future__ import annotations

import hashlib
import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from moto.server import ThreadedMotoServer

from isms.models import Role
from isms.settings import s3_storage
from monitoring.checks.models import ControlEvidence
from monitoring.packs import services
from monitoring.packs.bundle import pdf_attachments
from monitoring.packs.models import EvidencePack, PackStatus
from monitoring.packs.tasks import render_pack
from tests.packs.factories import iso_soa_row
from tests.suppliers.factories import PDF_BYTES

pytestmark = pytest.mark.django_db
BUCKET = "guardrail-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bucket(settings, tmp_path):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    environ = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=environ["AWS_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(environ)}
    try:
        yield client
    finally:
        server.stop()


def _keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def _object(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_settings_choose_the_bucket_only_when_named():
    assert s3_storage({}) is None
    config = s3_storage({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "http://s3:9000"})
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == "b"
    assert config["OPTIONS"]["addressing_style"] == "path"
    assert config["OPTIONS"]["file_overwrite"] is False
    aws = s3_storage({"AWS_STORAGE_BUCKET_NAME": "b"})["OPTIONS"]
    assert "endpoint_url" not in aws and "addressing_style" not in aws


def test_evidence_upload_and_pack_go_through_the_bucket(
    bucket, settings, org_a, org_b, in_tenant, member, client_for
):
    officer = member(org_a, Role.OFFICER)
    client = client_for(officer)
    with in_tenant(org_a):
        row = iso_soa_row(org_a)
    today = timezone.localdate().isoformat()

    # An evidence file uploaded through the page lands in the bucket, under its organisation.
    response = client.post(
        f"/o/{org_a.slug}/monitoring/checks/controls/{row.pk}/evidence/add/",
        {
            "kind": "file",
            "title": "Policy approval minutes",
            "file": SimpleUploadedFile("minutes.pdf", PDF_BYTES),
            "collected_on": today,
            "owner": officer.pk,
        },
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        evidence = ControlEvidence.objects.get()
    assert evidence.file.name.startswith(f"org-{org_a.pk}/")
    assert _object(bucket, evidence.file.name) == PDF_BYTES
    assert not (settings.MEDIA_ROOT / evidence.file.name).exists()

    # A pack requested through the page, rendered by its Celery task into the bucket.
    response = client.post(
        f"/o/{org_a.slug}/monitoring/packs/new/",
        {"frameworks": ["iso27001-2022"], "sections": ["evidence", "suppliers"]},
    )
    assert response.status_code == 302
    with in_tenant(org_a):
        pack = EvidencePack.objects.get()
    assert (
        render_pack.apply(
            kwargs={"organization_id": org_a.pk, "pack_id": pack.pk, "attempt": pack.attempt}
        ).get()
        == "done"
    )
    with in_tenant(org_a):
        pack.refresh_from_db()
    assert pack.status == PackStatus.DONE
    prefix = f"packs/org-{org_a.pk}/{pack.reference}/"
    assert {pack.pdf.name, pack.bundle.name} <= {k for k in _keys(bucket) if k.startswith(prefix)}

    # Downloaded through the page, streamed from the bucket, byte for byte what was stored.
    download = client.get(f"/o/{org_a.slug}/monitoring/packs/{pack.pk}/download/pdf/")
    assert download.status_code == 200
    pdf = b"".join(download.streaming_content)
    assert pdf == _object(bucket, pack.pdf.name)
    assert hashlib.sha256(pdf).hexdigest() == pack.pdf_sha256

    # The evidence file read back from the bucket is attached to the pack and its manifest.
    attachments = pdf_attachments(pdf)
    name = next(n for n in attachments if n.startswith("evidence/"))
    assert attachments[name] == PDF_BYTES
    check = services.manifest_check(pdf)
    assert check["signature_valid"] and check["mismatched"] == []

    # Verified by the page as this organisation's pack; another organisation learns nothing.
    verify = client.post(
        f"/o/{org_a.slug}/monitoring/packs/verify/",
        {"file": SimpleUploadedFile("pack.pdf", pdf)},
    )
    assert verify.status_code == 200 and verify.context["answer"]["known"] is True
    assert verify.context["answer"]["signature_valid"] is True
    other = client_for(member(org_b, Role.OFFICER)).post(
        f"/o/{org_b.slug}/monitoring/packs/verify/",
        {"file": SimpleUploadedFile("pack.pdf", pdf)},
    )
    assert other.context["answer"] == {"sha256": pack.pdf_sha256, "known": False}
