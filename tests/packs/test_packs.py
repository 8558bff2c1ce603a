"""Evidence packs (issue 21): the PDF read back, as of its date, PDF/A-3b, attachments and
their signed manifest, the deterministic ZIP, isolation between organisations."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from pypdf import PdfReader

from isms.models import Role
from monitoring.packs import services, signing
from monitoring.packs.bundle import bundle_from_pdf, pdf_attachments
from monitoring.packs.models import EvidencePack, PackStatus
from monitoring.packs.selectors import packs_for_organization, signed_download_url
from tests.assets.factories import AssetFactory
from tests.incidents.factories import actor_for

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _render(org, in_tenant, **request):
    with in_tenant(org):
        officer = actor_for(org)
        pack = services.pack_request(
            actor=officer,
            frameworks=request.get("frameworks", ["iso27001-2022"]),
            sections=request.get("sections", ["scope", "ai", "suppliers", "audit_trail"]),
            as_of=request.get("as_of"),
        )
    assert (
        services.pack_render(organization_id=org.pk, pack_id=pack.pk, attempt=pack.attempt)
        == "done"
    )
    with in_tenant(org):
        pack.refresh_from_db()
        return pack, pack.pdf.open("rb").read(), pack.bundle.open("rb").read()


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def rendered(org_a, in_tenant):
    with in_tenant(org_a):
        owner = actor_for(org_a).user
        AssetFactory(organization=org_a, owner=owner, name="Claims triage model")
        AssetFactory(organization=org_a, owner=owner, name=PAYLOAD)
        later = AssetFactory(organization=org_a, owner=owner, name="Added after the date")
        now = timezone.now()
        later.created = now + timedelta(minutes=1)
        later.save(update_fields=["created"])
    return _render(org_a, in_tenant, as_of=now)


def test_pdf_has_every_section_the_as_of_date_and_page_numbers(rendered):
    pack, pdf, _ = rendered
    pages = _text(pdf)
    text = "\n".join(pages)
    assert pack.status == PackStatus.DONE and pack.page_count == len(pages)
    for title in (
        "Contents",
        "ISMS scope, context and objectives",
        "AI assets, change requests",
        "Suppliers",
        "Audit trail extract",
        str(pack.reference),
    ):
        assert title in text
    assert "Claims triage model" in text
    # Created after the as-of time: absent from the registers (the audit trail extract shows
    # real insert times, which this test cannot move, so it is left out of the check).
    registers = "\n".join(p for p in pages if "· Audit trail extract" not in p)
    assert "Added after the date" not in registers
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
    # The contents give each section's first page, and that page starts the section.
    reader = pages
    toc = pages[1]
    assert "page 3" in toc and pages[2].count("ISMS scope, context and objectives") >= 1
    assert reader


def test_pdf_claims_pdf_a_3b_in_its_metadata(rendered):
    _, pdf, _ = rendered
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"3" in xmp and b"pdfaid:conformance" in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_every_page_is_stored_compressed_after_its_footer_is_stamped(rendered):
    """The running footer is merged onto each page (pypdf), which leaves the page's content
    uncompressed; stored raw, a 1,288-page pack of bench-large was 58 MB."""
    _, pdf, _ = rendered
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page["/Contents"].get_object()
        streams = contents if isinstance(contents, list) else [contents]
        assert [s.get_object().get("/Filter") for s in streams] == ["/FlateDecode"] * len(streams)


def test_attachments_match_the_signed_manifest_and_one_byte_breaks_it(rendered, org_a, in_tenant):
    pack, pdf, _ = rendered
    files = pdf_attachments(pdf)
    manifest = json.loads(files["manifest.json"])
    names = {f["name"] for f in manifest["files"]}
    assert {"pack.json", "registers/assets.csv"} <= names
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
    check = services.manifest_check(pdf)
    assert check["signature_valid"] and check["mismatched"] == []
    with in_tenant(org_a):
        assert manifest["public_key"] == signing.public_key_hex() == pack.public_key
    # The signature covers the manifest's bytes: change one byte and it fails.
    tampered = bytearray(files["manifest.json"])
    tampered[10] ^= 1
    assert not signing.verify(bytes(tampered), files["manifest.sig"].decode(), pack.public_key)
    assert signing.verify(files["manifest.json"], files["manifest.sig"].decode(), pack.public_key)
    # The CSV register holds the population, formulas neutralised, payload kept as text.
    csv_text = files["registers/assets.csv"].decode()
    assert "Claims triage model" in csv_text and "Added after the date" not in csv_text


def test_verification_by_file_and_hash_and_one_changed_byte(rendered, org_a, in_tenant):
    pack, pdf, bundle = rendered
    with in_tenant(org_a):
        answer = services.pack_verify(content=pdf)
        assert answer["known"] and answer["kind"] == "pdf" and answer["signature_valid"]
        assert answer["pack"] == str(pack.reference)
        assert services.pack_verify(sha256=hashlib.sha256(bundle).hexdigest())["kind"] == "zip"
        changed = bytearray(pdf)
        changed[len(changed) // 2] ^= 1
        assert services.pack_verify(content=bytes(changed))["known"] is False


def test_zip_is_deterministic_and_its_manifest_matches(rendered):
    pack, pdf, bundle = rendered
    assert bundle_from_pdf(pdf) == bundle  # re-export gives the same bytes
    assert hashlib.sha256(bundle).hexdigest() == pack.bundle_sha256
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    names = archive.namelist()
    assert names == sorted(names) and "pack.pdf" in names
    assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    assert archive.read("pack.pdf") == pdf


def test_payloads_are_inert_text_in_the_pdf(rendered):
    _, pdf, _ = rendered
    text = "\n".join(_text(pdf))
    assert '<script>alert("x")</script>' in text.replace("\n", "")  # shown, not interpreted
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/OpenAction" not in pdf


def test_a_finished_pack_cannot_be_changed_even_by_raw_sql(rendered, org_a, in_tenant):
    pack, _, _ = rendered
    with in_tenant(org_a), pytest.raises(DatabaseError), transaction.atomic():
        EvidencePack.objects.filter(pk=pack.pk).update(page_count=1)
    with in_tenant(org_a), pytest.raises(DatabaseError), transaction.atomic():
        EvidencePack.objects.filter(pk=pack.pk).delete()
    with in_tenant(org_a):
        officer = actor_for(org_a)
        with pytest.raises(Exception, match="lacks the scope"):
            services.pack_delete(actor=officer, pack=pack)
        admin = actor_for(org_a, Role.ADMIN)
    pack_id = pack.pk
    with in_tenant(org_a, actor=admin.user.email, actor_id=admin.user.pk):
        services.pack_delete(actor=admin, pack=pack)
        assert not EvidencePack.objects.filter(pk=pack_id).exists()
        from isms.models import AuditEvent

        event = AuditEvent.objects.filter(
            table_name="monitoring_packs_evidencepack", object_id=str(pack_id), action="delete"
        ).get()
        assert event.actor == admin.user.email  # the deletion is in the audit trail


def test_org_b_pack_cannot_be_downloaded_verified_or_detected_by_a(
    rendered, org_a, org_b, in_tenant, member, client_for
):
    pack, pdf, _bundle = rendered
    stranger = member(org_b, Role.OFFICER)
    client = client_for(stranger)
    slug_b = org_b.slug
    for url in (
        f"/o/{slug_b}/monitoring/packs/{pack.pk}/",
        f"/o/{slug_b}/monitoring/packs/{pack.pk}/download/pdf/",
        f"/o/{slug_b}/monitoring/packs/{pack.pk}/download/zip/",
        f"/o/{slug_b}/monitoring/packs/{pack.pk}/progress/",
    ):
        assert client.get(url).status_code == 404
    with in_tenant(org_a):
        foreign_link = signed_download_url(pack)
    assert client.get(foreign_link.replace(org_a.slug, slug_b)).status_code == 404
    unknown = client.post(
        f"/o/{slug_b}/monitoring/packs/verify/", {"sha256": "0" * 64}
    ).content.decode()
    answer = client.post(
        f"/o/{slug_b}/monitoring/packs/verify/", {"sha256": pack.pdf_sha256}
    ).content.decode()
    assert "generated no pack" in answer
    assert answer.replace(pack.pdf_sha256, "0" * 64).replace("csrfmiddlewaretoken", "").count(
        "generated no pack"
    ) == unknown.count("generated no pack")
    with in_tenant(org_b):
        assert services.pack_verify(content=pdf) == {
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "known": False,
        }
        assert list(packs_for_organization(org_b)) == []


def test_officer_downloads_through_page_and_signed_link(
    rendered, org_a, in_tenant, member, client_for
):
    pack, pdf, bundle = rendered
    client = client_for(member(org_a, Role.AUDITOR))
    response = client.get(f"/o/{org_a.slug}/monitoring/packs/{pack.pk}/download/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    with in_tenant(org_a):
        link = signed_download_url(pack, "zip")
    response = client.get(link)
    assert response.status_code == 200 and b"".join(response.streaming_content) == bundle
    assert client.get(link[:-3] + "xyz/").status_code == 404
    # an auditor cannot request, cancel or retry
    assert client.post(f"/o/{org_a.slug}/monitoring/packs/new/", {}).status_code == 403
    assert client.post(f"/o/{org_a.slug}/monitoring/packs/{pack.pk}/retry/").status_code == 403


def test_bad_requests_name_the_field(org_a, in_tenant, member, client_for):
    client = client_for(member(org_a, Role.OFFICER))
    response = client.post(
        f"/o/{org_a.slug}/monitoring/packs/new/",
        {"frameworks": ["iso27001-2022"], "sections": ["nonsense"]},
    )
    assert response.status_code == 400 and "sections" in response.context["form"].errors
    response = client.post(f"/o/{org_a.slug}/monitoring/packs/verify/", {"sha256": "not-a-hash"})
    assert response.status_code == 400


def test_cancel_stops_a_render_and_retry_makes_exactly_one(org_a, in_tenant):
    with in_tenant(org_a):
        officer = actor_for(org_a)
        pack = services.pack_request(
            actor=officer, frameworks=["iso27001-2022"], sections=["suppliers"]
        )
        services.pack_cancel(actor=officer, pack=pack)
    assert (
        services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=pack.attempt)
        == "skipped"
    )
    with in_tenant(org_a):
        pack = services.pack_retry(actor=officer, pack=pack)
    # the old attempt can no longer render it; the new one does
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=1) == "skipped"
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=2) == "done"
    assert services.pack_render(organization_id=org_a.pk, pack_id=pack.pk, attempt=2) == "skipped"
    with in_tenant(org_a):
        assert EvidencePack.objects.filter(status=PackStatus.DONE).count() == 1


def test_a_due_schedule_requests_its_pack_and_moves_on(org_a, in_tenant):
    with in_tenant(org_a):
        schedule = services.schedule_create(
            actor=actor_for(org_a), frameworks=["iso42001-2023"], sections=["policies"]
        )
        assert services.schedules_run_due() == 1
        assert services.schedules_run_due() == 0  # next month now
        pack = EvidencePack.objects.get(schedule=schedule)
        assert pack.status == PackStatus.QUEUED and pack.requested_by is None
        schedule.refresh_from_db()
        assert schedule.next_due > timezone.now() + timedelta(days=29)


def test_api_verifies_a_hash_and_answers_the_same_for_another_orgs_pack(
    rendered, org_a, org_b, api_for, api_key_for
):
    pack, _, _ = rendered
    own = api_for(api_token=api_key_for(org_a, access="read"))
    url = f"/api/v1/orgs/{org_a.slug}/evidence-packs/verify/"
    answer = own.post(url, {"sha256": pack.pdf_sha256}, format="json").json()
    assert answer["known"] and answer["signature_valid"] and answer["kind"] == "pdf"
    other = api_for(api_token=api_key_for(org_b, access="read"))
    url_b = f"/api/v1/orgs/{org_b.slug}/evidence-packs/verify/"
    assert other.post(url_b, {"sha256": pack.pdf_sha256}, format="json").json() == {
        "sha256": pack.pdf_sha256,
        "known": False,
    }
    bad = other.post(url_b, {"sha256": "xyz"}, format="json")
    assert bad.status_code == 400 and "sha256" in bad.text


def test_the_auditors_engagement_links_its_finished_packs_in_scope(org_a, client_for, in_tenant):
    """Issue 21: the auditor's home lists the finished packs of the frameworks in scope, each
    a signed, short-lived link the auditor can download."""
    import re

    from django.urls import reverse

    from monitoring.engagements.models import Engagement
    from tests.engagements.factories import auditor_user, make_engagement
    from tests.packs.factories import make_pack

    auditor = auditor_user(org_a)
    with in_tenant(org_a):
        pack = make_pack(org_a)  # ISO/IEC 27001
        in_scope = make_engagement(org_a, title="Stage 2")
        out_of_scope = make_engagement(org_a, title="AI only")
        Engagement.objects.filter(pk=in_scope.pk).update(framework_codes=["iso27001-2022"])
        Engagement.objects.filter(pk=out_of_scope.pk).update(framework_codes=["iso42001-2023"])
    client = client_for(auditor)
    label = f"Evidence pack as of {pack.as_of:%Y-%m-%d} (PDF)"

    page = client.get(reverse("engagement_detail", args=[org_a.slug, in_scope.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and label in html and "ISO/IEC 27001:2022" in html
    link = re.search(r'<a href="([^"]+)">' + re.escape(label), html)[1]
    download = client.get(link.replace("&amp;", "&"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    other = client.get(reverse("engagement_detail", args=[org_a.slug, out_of_scope.pk]))
    assert other.status_code == 200 and label not in other.content.decode()


def test_a_long_register_renders_in_the_pool_with_numbers_contents_and_headers(
    org_a, in_tenant, monkeypatch
):
    """A register longer than one part, laid out by the helper processes: the parts come
    back in order, the contents give each section's first page, every page is numbered
    "page X of Y", and every part of the register starts with its header row."""
    from monitoring.packs import part_pool, render

    monkeypatch.setattr(render, "ROWS_PER_PART", 4)
    monkeypatch.setattr(part_pool, "workers", lambda: 2)
    started = []
    original = part_pool.PartRenderer.parallel
    monkeypatch.setattr(
        part_pool.PartRenderer, "parallel", lambda self: started.append(1) or original(self)
    )
    with in_tenant(org_a):
        owner = actor_for(org_a).user
        names = [f"Pooled asset {i:02d}" for i in range(14)]
        for name in names:
            AssetFactory(organization=org_a, owner=owner, name=name)
    pack, pdf, _ = _render(org_a, in_tenant, sections=["scope", "ai", "suppliers"])
    assert started
    pages = _text(pdf)
    assert pack.page_count == len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
    text = "\n".join(pages)
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)
    register_pages = [p for p in pages if "Pooled asset" in p]
    assert len(register_pages) >= 4  # 14 rows, 4 per part, one part per page at least
    assert all("Classification" in p and "Lifecycle" in p for p in register_pages)
    toc = pages[1]
    for title in ("AI assets, change requests and impact assessments", "Suppliers"):
        first = int(toc.split(title, 1)[1].split("page ", 1)[1].split()[0])
        assert f"· {title}" in pages[first - 1] and f"· {title}" not in pages[first - 2]
