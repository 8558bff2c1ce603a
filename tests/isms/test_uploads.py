"""Every upload endpoint (UI and API) goes through isms.uploads: the content decides the type
(an .exe, an HTML page or an SVG renamed .pdf/.png is refused), the size is limited, the stored
name is generated under org-<id>/<category>/ (never the client's name, so a long name uploaded
twice is no 500), and downloads are attachments the browser must not sniff."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from assets.models import AssetType, ResponsibleAIEvaluation
from isms import uploads
from isms.models import Role
from policies.models import PolicyVersion
from suppliers.models import AssessmentFile, SupplierCertification
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory
from tests.policies.factories import actor_for, make_draft
from tests.suppliers.factories import PDF_BYTES, SupplierFactory
from tests.suppliers.test_portal import issue_link
from tests.suppliers.test_portal import url as portal_url

HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
LONG_NAME = "quarterly-bias-evaluation-" + "x" * 230 + ".pdf"  # 260 characters


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# --- the helper itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF_BYTES, "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0....", "jpeg"),
        (docx(), "docx"),
        (b"PK\x03\x04 not really a zip", None),
        (b"name,owner\nA,b\n", "text"),
        (HTML, None),
        (SVG, None),
        (EXE, None),
        (b"text with \x00 inside", None),
    ],
)
def test_sniff_reads_the_content_not_the_name(content, kind):
    assert uploads.sniff(content) == kind


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", HTML, "content is not a PDF file"),
        ("report.pdf", EXE, "content is not a PDF file"),
        ("chart.png", SVG, "content is not a PNG file"),
        ("report.docx", PDF_BYTES, "named .docx but its content is a PDF"),
        ("report.exe", PDF_BYTES, "Only these file types are accepted"),
        ("report.html", HTML, "Only these file types are accepted"),
        ("report.pdf", b"", "empty"),
    ],
)
def test_check_upload_refuses_spoofed_types(name, content, message):
    with pytest.raises(Exception) as refused:
        uploads.check_upload(SimpleUploadedFile(name, content), field="evidence")
    assert message in refused.value.message_dict["evidence"][0]


def test_check_upload_keeps_a_clean_truncated_name_and_a_random_storage_name():
    checked = uploads.check_upload(
        SimpleUploadedFile("..\\..\\etc/" + LONG_NAME, PDF_BYTES), name_length=100
    )
    assert len(checked.name) == 100 and checked.name.endswith(".pdf") and "/" not in checked.name
    assert checked.content_type == "application/pdf"
    first = uploads.storage_name(7, "assets/evaluations", LONG_NAME)
    second = uploads.storage_name(7, "assets/evaluations", LONG_NAME)
    assert first != second and first.startswith("org-7/assets/evaluations/")
    assert first.endswith(".pdf") and "quarterly" not in first and len(first) < 80
    assert uploads.storage_name(7, "x", "evil.html").rsplit("/", 1)[-1].isalnum()


def test_size_limit_follows_the_setting(settings):
    settings.GUARDRAIL_UPLOAD_MAX_BYTES = 100
    with pytest.raises(Exception) as refused:
        uploads.check_upload(SimpleUploadedFile("a.pdf", PDF_BYTES + b"0" * 100))
    assert "larger than" in refused.value.message_dict["file"][0]


# --- every upload endpoint --------------------------------------------------------------------


@dataclass
class Endpoint:
    client: Any
    url: str
    data: dict
    field: str
    ok_status: int
    stored: Any  # () -> list of stored file names
    download: Any = None  # () -> download URL of the last stored file, or None
    method: str = "post"
    api: bool = False
    refusal_redirects: bool = False  # a button form: refusals redirect with a flash message

    def send(self, name: str, content: bytes):
        data = {**self.data, self.field: SimpleUploadedFile(name, content)}
        if self.api:
            return getattr(self.client, self.method)(self.url, data, format="multipart")
        return getattr(self.client, self.method)(self.url, data)

    def refusal(self, name: str, content: bytes) -> str:
        """Send a file that must be refused; the words the user is shown."""
        response = self.send(name, content)
        if self.refusal_redirects:
            assert response.status_code == 302, response.content[:300]
            page = self.client.get(response["Location"])
            assert "Nothing was changed" in page.content.decode()
            return page.content.decode()
        assert response.status_code == 400, response.content[:300]
        return response.content.decode()


def _officer(org):
    return MembershipFactory(organization=org, role=Role.OFFICER).user


def supplier_certification_ui(org, in_tenant, client_for, api_for):
    user = _officer(org)
    with in_tenant(org):
        supplier = SupplierFactory(organization=org, owner=user)

    def stored():
        with in_tenant(org):
            return list(SupplierCertification.objects.values_list("file", flat=True))

    def download():
        with in_tenant(org):
            cert = SupplierCertification.objects.order_by("-pk").first()
        return f"/o/{org.slug}/suppliers/certifications/{cert.pk}/file/"

    return Endpoint(
        client_for(user),
        f"/o/{org.slug}/suppliers/{supplier.pk}/certifications/",
        {"type": "iso27001", "valid_until": "2030-01-01"},
        "file",
        302,
        stored,
        download,
        refusal_redirects=True,
    )


def supplier_certification_api(org, in_tenant, client_for, api_for):
    user = _officer(org)
    with in_tenant(org):
        supplier = SupplierFactory(organization=org, owner=user)

    def stored():
        with in_tenant(org):
            return list(SupplierCertification.objects.values_list("file", flat=True))

    return Endpoint(
        api_for(user),
        f"/api/v1/orgs/{org.slug}/supplier-certifications/",
        {"supplier": supplier.pk, "type": "iso27001", "valid_until": "2030-01-01"},
        "file",
        201,
        stored,
        api=True,
    )


def supplier_portal(org, in_tenant, client_for, api_for):
    token, _ = issue_link(org, in_tenant)

    def stored():
        with in_tenant(org):
            return list(AssessmentFile.objects.values_list("file", flat=True))

    return Endpoint(Client(), portal_url(token), {"save": "1"}, "file", 200, stored)


def policy_version_ui(org, in_tenant, client_for, api_for):
    user = _officer(org)
    with in_tenant(org):
        version = make_draft(org, officer=actor_for(user, org))

    def stored():
        with in_tenant(org):
            return [v for v in PolicyVersion.objects.values_list("document", flat=True) if v]

    return Endpoint(
        client_for(user),
        f"/o/{org.slug}/policies/versions/{version.pk}/edit/",
        {"change_summary": "scan"},
        "document",
        302,
        stored,
        lambda: f"/o/{org.slug}/policies/versions/{version.pk}/document/",
    )


def policy_version_api(org, in_tenant, client_for, api_for):
    user = _officer(org)
    with in_tenant(org):
        version = make_draft(org, officer=actor_for(user, org))

    def stored():
        with in_tenant(org):
            return [v for v in PolicyVersion.objects.values_list("document", flat=True) if v]

    return Endpoint(
        api_for(user),
        f"/api/v1/orgs/{org.slug}/policy-versions/{version.pk}/",
        {},
        "document",
        200,
        stored,
        method="patch",
        api=True,
    )


def _evaluations(org, in_tenant):
    def stored():
        with in_tenant(org):
            return [
                e for e in ResponsibleAIEvaluation.objects.values_list("evidence", flat=True) if e
            ]

    return stored


EVALUATION = {
    "kind": "bias",
    "performed_on": "2025-01-10",
    "method": "Parity on the holdout set",
    "result": "Gap 0.02",
}


def asset_evaluation_ui(org, in_tenant, client_for, api_for):
    user = _officer(org)
    with in_tenant(org):
        asset = AssetFactory(organization=org, owner=user, asset_type=AssetType.AI_MODEL)

    def download():
        with in_tenant(org):
            evaluation = ResponsibleAIEvaluation.objects.order_by("-pk").first()
        return f"/o/{org.slug}/assets/evaluations/{evaluation.pk}/evidence/"

    return Endpoint(
        client_for(user),
        f"/o/{org.slug}/assets/{asset.pk}/evaluations/new/",
        {**EVALUATION, "passed": "on"},
        "evidence",
        302,
        _evaluations(org, in_tenant),
        download,
    )


def asset_evaluation_api(org, in_tenant, client_for, api_for):
    user = _officer(org)
    with in_tenant(org):
        asset = AssetFactory(organization=org, owner=user, asset_type=AssetType.AI_MODEL)
    return Endpoint(
        api_for(user),
        f"/api/v1/orgs/{org.slug}/asset-evaluations/",
        {**EVALUATION, "asset": asset.pk, "passed": "true"},
        "evidence",
        201,
        _evaluations(org, in_tenant),
        api=True,
    )


ENDPOINTS = [
    supplier_certification_ui,
    supplier_certification_api,
    supplier_portal,
    policy_version_ui,
    policy_version_api,
    asset_evaluation_ui,
    asset_evaluation_api,
]


@pytest.fixture(params=ENDPOINTS, ids=lambda f: f.__name__)
def endpoint(request, org_a, in_tenant, client_for, api_for):
    return request.param(org_a, in_tenant, client_for, api_for)


@pytest.mark.parametrize(
    ("name", "content"),
    [("evidence.pdf", HTML), ("setup.pdf", EXE), ("evidence.exe", EXE), ("page.html", HTML)],
)
def test_spoofed_types_are_refused_and_nothing_is_stored(endpoint, name, content):
    endpoint.refusal(name, content)
    assert endpoint.stored() == []


def test_oversized_files_are_refused(endpoint, settings):
    settings.GUARDRAIL_UPLOAD_MAX_BYTES = 2048
    assert "larger than" in endpoint.refusal("big.pdf", PDF_BYTES + b"0" * 4096)
    assert endpoint.stored() == []


def test_the_same_long_name_twice_is_stored_under_generated_names(endpoint, org_a):
    for _ in range(2):
        response = endpoint.send(LONG_NAME, PDF_BYTES)
        assert response.status_code == endpoint.ok_status, response.content[:300]
    names = endpoint.stored()
    assert names and all(n.startswith(f"org-{org_a.pk}/") for n in names)
    assert not any("quarterly" in n for n in names)
    assert len(set(names)) == len(names)
    if endpoint.download is not None:
        download = endpoint.client.get(endpoint.download())
        assert download.status_code == 200
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment;")
        assert b"".join(download.streaming_content) == PDF_BYTES


def test_eleven_megabytes_of_evaluation_evidence_are_refused(org_a, in_tenant, client_for, api_for):
    endpoint = asset_evaluation_ui(org_a, in_tenant, client_for, api_for)
    response = endpoint.send("huge.pdf", PDF_BYTES + b"0" * (11 * 1024 * 1024))
    assert response.status_code == 400 and "larger than 10 MB" in response.content.decode()
    assert endpoint.stored() == []


def test_the_original_name_is_kept_for_display_only(org_a, in_tenant):
    token, assessment_id = issue_link(org_a, in_tenant)
    response = Client().post(
        portal_url(token), {"save": "1", "file": SimpleUploadedFile(LONG_NAME, PDF_BYTES)}
    )
    assert response.status_code == 200
    with in_tenant(org_a):
        stored = AssessmentFile.objects.get(assessment_id=assessment_id)
    assert stored.original_name == LONG_NAME[:251] + ".pdf" and len(stored.original_name) == 255
    assert stored.content_type == "application/pdf" and stored.size == len(PDF_BYTES)


@pytest.mark.parametrize("path", ["assets/import/", "suppliers/import/"])
@pytest.mark.parametrize(
    ("name", "content"), [("table.exe", EXE), ("table.csv", EXE), ("table.xlsx", HTML)]
)
def test_imports_refuse_what_is_not_a_table(org_a, client_for, path, name, content):
    client = client_for(_officer(org_a))
    response = client.post(f"/o/{org_a.slug}/{path}", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["assets/import/", "suppliers/import/"])
def test_imports_refuse_oversized_files(org_a, client_for, settings, path):
    settings.GUARDRAIL_UPLOAD_MAX_BYTES = 100
    client = client_for(_officer(org_a))
    content = b"name,asset_type,owner_email\n" + b"x,y,z\n" * 50
    response = client.post(
        f"/o/{org_a.slug}/{path}", {"file": SimpleUploadedFile("t.csv", content)}
    )
    assert response.status_code == 400 and "larger than" in response.content.decode()
