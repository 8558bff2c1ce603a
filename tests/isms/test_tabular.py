"""Every export goes through isms.tabular: formula cells neutralised (OWASP "CSV Injection":
a leading = + - @ tab or CR gets an apostrophe; ASVS 5.0 V1.2.10), control characters removed
(openpyxl would otherwise raise IllegalCharacterError and the XLSX export answer 500), choice
labels written, and imports read CSV and XLSX alike. Each export is read back with the csv
module and openpyxl, never string-matched."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from assets.models import Asset, AssetType
from isms import tabular
from isms.models import Role
from isms.tenancy import tenant_context
from risks.models import SoARow
from suppliers.models import Supplier
from tests.assets.factories import AssetFactory
from tests.factories import MembershipFactory
from tests.risks.factories import RiskFactory, library_control, many_risks
from tests.suppliers.factories import SupplierFactory

NASTY = ["=1+2", "@SUM(1)", "+1", "-1", "a\x02b\x1bc\x7fd", "\tTab", "\rCR"]
EXPECTED = {"'=1+2", "'@SUM(1)", "'+1", "'-1", "abcd", "'\tTab", "'\rCR"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def csv_cells(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def xlsx_cells(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def assert_safe(table: list[list], expected: set[str] = EXPECTED) -> None:
    """No text cell could be evaluated as a formula or carries a control character, and the
    planted values are there, neutralised."""
    texts = [v for row in table for v in row if isinstance(v, str)]
    for value in texts:
        assert not value.startswith(tabular.FORMULA_PREFIXES), value
        assert not CONTROL.search(value), value
    # XML (so XLSX) normalises a carriage return to a line feed when read back.
    found = {v.replace("\r", "\n") for v in texts}
    wanted = {v.replace("\r", "\n") for v in expected}
    assert wanted <= found, wanted - found


def assert_both_formats(client, url: str, params: dict | None = None, *, key="format"):
    params = dict(params or {})
    out = {}
    for fmt in ("csv", "xlsx"):
        if key is None:
            response = client.get(url.format(fmt=fmt), params)
        else:
            response = client.get(url, {**params, key: fmt})
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        table = csv_cells(response) if fmt == "csv" else xlsx_cells(response)
        assert_safe(table)
        out[fmt] = table
    return out


# --- the helper itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(1)", "'@SUM(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a\x00b\x02c\x1bd\x7fe", "abcde"),
        ("\x02=1+2", "'=1+2"),  # cleaned first, then neutralised
        ("line 1\nline 2", "line 1\nline 2"),
        ("Plain", "Plain"),
        ("", ""),
    ],
)
def test_text_cells_are_cleaned_then_neutralised(raw, written):
    assert tabular.cell(raw) == written


def test_values_keep_their_type_and_lists_join():
    assert tabular.cell(-1) == -1 and tabular.cell(2.5) == 2.5
    assert tabular.cell(True) == "yes" and tabular.cell(None) == ""
    assert tabular.cell(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
    assert tabular.cell(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == (
        "2026-01-02T03:04:05+00:00"
    )
    assert tabular.cell(["=a", "b"]) == "'=a; b"


def test_xlsx_writes_what_openpyxl_refuses_raw():
    columns = [tabular.attr("name")]

    class Row:
        name = "bad\x02name"

    cells = [
        list(r)
        for r in load_workbook(io.BytesIO(tabular.to_xlsx(columns, [Row()]))).active.iter_rows(
            values_only=True
        )
    ]
    assert cells == [["name"], ["badname"]]


def test_read_table_reads_csv_and_xlsx_and_undoes_the_apostrophe():
    csv_bytes = "\ufeffname , kind\n'=1+2,a\n\n'-1,b\n".encode()
    workbook = Workbook()
    workbook.active.append(["name ", "kind"])
    workbook.active.append(["'=1+2", "a"])
    workbook.active.append([None, None])
    workbook.active.append([-1, "b"])
    out = io.BytesIO()
    workbook.save(out)
    for content, name in ((csv_bytes, "x.csv"), (out.getvalue(), "x.xlsx")):
        table = tabular.read_table(content, filename=name, required=["name"])
        assert table.header == ["name", "kind"]
        assert [(line, row["name"]) for line, row in table.rows] == [(2, "=1+2"), (4, "-1")]


def test_read_table_refuses_with_row_errors():
    with pytest.raises(tabular.ImportRefused) as refused:
        tabular.read_table(b"kind\nx\n", required=["name"])
    assert [(e.line, e.field) for e in refused.value.errors] == [(1, "name")]
    with pytest.raises(tabular.ImportRefused):
        tabular.read_table(b"\xff\xfe", filename="x.csv")
    with pytest.raises(tabular.ImportRefused):
        tabular.read_table(b"PK\x03\x04broken", filename="x.xlsx")
    with pytest.raises(tabular.ImportRefused):
        tabular.read_table(b"name\n" + b"a\n" * 11, max_rows=10)
    with pytest.raises(tabular.ImportRefused):
        tabular.read_table(b"name\n" + b"a" * 100, max_bytes=50)


# --- every export of the product -------------------------------------------------------------


@pytest.fixture
def officer(org_a, client_for):
    user = MembershipFactory(organization=org_a, role=Role.OFFICER).user
    return user, client_for(user)


def test_asset_export_neutralises_and_cleans(org_a, officer, in_tenant):
    user, client = officer
    with in_tenant(org_a):
        for i, name in enumerate(NASTY):
            AssetFactory(organization=org_a, owner=user, name=name, description=NASTY[-1 - i])
    tables = assert_both_formats(client, f"/o/{org_a.slug}/assets/export/")
    header = tables["csv"][0]
    row = dict(zip(header, tables["csv"][1], strict=True))
    assert row["asset_type"] == "AI SaaS tool"  # the label, not "ai_saas_tool"
    assert row["data_categories"] == "Personal data"


def test_supplier_export_neutralises_and_cleans(org_a, officer, in_tenant):
    user, client = officer
    with in_tenant(org_a):
        for i, name in enumerate(NASTY):
            SupplierFactory(organization=org_a, owner=user, name=name, provides=NASTY[-1 - i])
    tables = assert_both_formats(client, f"/o/{org_a.slug}/suppliers/export/", key="as")
    header = tables["xlsx"][0]
    row = dict(zip(header, tables["xlsx"][1], strict=True))
    assert row["criticality"] == "High" and row["ai_services"] == "AI APIs"


def test_risk_register_export_neutralises_and_cleans(org_a, officer, in_tenant):
    user, client = officer
    with in_tenant(org_a):
        for i, title in enumerate(NASTY):
            RiskFactory(organization=org_a, owner=user, title=title, description=NASTY[-1 - i])
    tables = assert_both_formats(client, f"/o/{org_a.slug}/risks/export.{{fmt}}", key=None)
    assert len(tables["csv"]) == len(NASTY) + 1
    row = dict(zip(tables["xlsx"][0], tables["xlsx"][1], strict=True))
    assert row["inherent_score"] == 12  # a number stays a number
    assert client.get(f"/o/{org_a.slug}/risks/export.pdf").status_code == 404


def test_soa_export_neutralises_and_cleans(org_a, officer, in_tenant):
    _user, client = officer
    controls = [library_control(f"T.{i}") for i in range(len(NASTY))]
    code = controls[0].framework.code
    with in_tenant(org_a):
        from risks.models import StatementOfApplicability

        soa, _ = StatementOfApplicability.objects.get_or_create(
            organization=org_a, framework=controls[0].framework
        )
        for i, control in enumerate(controls):
            SoARow.objects.update_or_create(
                organization=org_a,
                soa=soa,
                control=control,
                defaults={"justification": NASTY[i], "evidence": NASTY[-1 - i]},
            )
    assert_both_formats(client, f"/o/{org_a.slug}/risks/soa/{code}/export.{{fmt}}", key=None)


def test_audit_trail_export_neutralises_and_cleans(org_a, org_b, officer, in_tenant):
    user, client = officer
    for label in NASTY:
        with tenant_context(org_a.pk, actor=label):
            SupplierFactory(organization=org_a, owner=user, name=f"Audited {label!r}")
    with tenant_context(org_b.pk, actor="other tenant"):
        SupplierFactory(
            organization=org_b,
            owner=MembershipFactory(organization=org_b).user,
            name="Bravo's secret",
        )
    tables = assert_both_formats(client, f"/o/{org_a.slug}/audit/export.{{fmt}}", key=None)
    flat = [v for row in tables["csv"] for v in row]
    assert "other tenant" not in flat and not any("Bravo" in v for v in flat)
    filtered = client.get(f"/o/{org_a.slug}/audit/export.csv", {"table": "suppliers_supplier"})
    assert len(csv_cells(filtered)) == len(NASTY) + 1
    auditor = MembershipFactory(organization=org_a, role=Role.AUDITOR).user
    from django.test import Client

    auditor_client = Client()
    auditor_client.force_login(auditor)
    assert auditor_client.get(f"/o/{org_a.slug}/audit/export.xlsx").status_code == 200
    outsider = Client()
    outsider.force_login(MembershipFactory(organization=org_b).user)
    assert outsider.get(f"/o/{org_a.slug}/audit/export.csv").status_code == 404


def test_audit_trail_api_export_neutralises_and_cleans(org_a, org_b, api_for, api_key_for):
    user = MembershipFactory(organization=org_a, role=Role.OFFICER).user
    for label in NASTY:
        with tenant_context(org_a.pk, actor=label):
            SupplierFactory(organization=org_a, owner=user, name=f"Audited {label!r}")
    with tenant_context(org_b.pk, actor="other tenant"):
        SupplierFactory(organization=org_b, owner=MembershipFactory(organization=org_b).user)
    url = f"/api/v1/orgs/{org_a.slug}/audit-events/export/"
    tables = assert_both_formats(
        api_for(user), url, {"table": "suppliers_supplier"}, key="file_format"
    )
    assert len(tables["xlsx"]) == len(NASTY) + 1
    assert "other tenant" not in [v for row in tables["csv"] for v in row]
    by_key = api_for(api_token=api_key_for(org_a, access="read"))
    assert by_key.get(url, {"file_format": "csv"}).status_code == 200
    refused = api_for(user).get(url, {"file_format": "pdf"})
    assert refused.status_code == 400 and "file_format" in refused.json()["errors"]
    assert api_for(user).get(f"/api/v1/orgs/{org_b.slug}/audit-events/export/").status_code == 404


def test_asset_export_of_10000_rows_is_safe_and_bounded(
    org_a, officer, in_tenant, django_assert_max_num_queries
):
    user, client = officer
    with in_tenant(org_a):
        Asset.objects.bulk_create(
            [
                Asset(
                    organization=org_a,
                    owner=user,
                    name=f"{NASTY[i % len(NASTY)]} {i:05d}",
                    description=NASTY[(i + 1) % len(NASTY)],
                    asset_type=AssetType.AI_MODEL,
                )
                for i in range(10_000)
            ],
            batch_size=2000,
        )
    expected = {"'=1+2 00000", "'@SUM(1) 00001", "'+1 00002", "'-1 00003"}
    for fmt in ("csv", "xlsx"):
        with django_assert_max_num_queries(40):
            response = client.get(f"/o/{org_a.slug}/assets/export/", {"format": fmt})
        table = csv_cells(response) if fmt == "csv" else xlsx_cells(response)
        assert len(table) == 10_001
        assert_safe(table, expected)


def test_risk_export_query_count_does_not_grow_with_rows(
    org_a, officer, in_tenant, django_assert_max_num_queries
):
    from risks.models import Risk, RiskAsset

    user, client = officer
    with in_tenant(org_a):
        risks = Risk.objects.bulk_create(many_risks(org_a, user, 1000))
        asset = AssetFactory(organization=org_a, owner=user, name="=cmd|' /C calc'!A0")
        RiskAsset.objects.bulk_create(
            RiskAsset(organization=org_a, risk=r, asset=asset) for r in risks[:500]
        )
    with django_assert_max_num_queries(30):
        response = client.get(f"/o/{org_a.slug}/risks/export.csv")
    table = csv_cells(response)
    assert len(table) == 1001
    assert_safe(table, {"'=cmd|' /C calc'!A0"})


def test_asset_import_reads_xlsx_and_accepts_labels(org_a, officer, in_tenant):
    from assets import csvio

    user, client = officer
    workbook = Workbook()
    workbook.active.append(["name", "asset_type", "owner_email", "classification", "tags"])
    workbook.active.append(["'=1+2", "AI model", user.email, "confidential", "a; b"])
    out = io.BytesIO()
    workbook.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "assets.xlsx"
    response = client.post(f"/o/{org_a.slug}/assets/import/", {"file": upload})
    assert response.status_code == 302, response.content[:500]
    with in_tenant(org_a):
        asset = Asset.objects.get()
    assert (asset.name, asset.asset_type, asset.tags) == ("=1+2", "ai_model", ["a", "b"])
    # What the export writes, the import reads back unchanged (apostrophe and labels undone).
    exported = client.get(f"/o/{org_a.slug}/assets/export/", {"format": "xlsx"}).content
    with in_tenant(org_a):
        Asset.objects.all().delete()
        csvio.import_table(actor=_actor(org_a, user), content=exported, filename="round.xlsx")
        again = Asset.objects.get()
    assert (again.name, again.asset_type, again.classification) == (
        "=1+2",
        "ai_model",
        "confidential",
    )


def test_supplier_import_reads_xlsx(org_a, officer, in_tenant):
    user, client = officer
    workbook = Workbook()
    workbook.active.append(["name", "owner_email", "criticality", "ai_services"])
    workbook.active.append(["Acme", user.email, "Critical", "AI APIs; models"])
    out = io.BytesIO()
    workbook.save(out)
    upload = io.BytesIO(out.getvalue())
    upload.name = "suppliers.xlsx"
    response = client.post(f"/o/{org_a.slug}/suppliers/import/", {"file": upload})
    assert response.status_code == 302, response.content[:500]
    with in_tenant(org_a):
        supplier = Supplier.objects.get()
    assert supplier.criticality == "critical" and supplier.ai_services == ["ai_api", "models"]


def _actor(organization, user):
    from isms.access import Actor
    from isms.models import Membership

    membership = Membership.objects.select_related("organization", "user").get(
        organization=organization, user=user
    )
    return Actor.for_membership(membership)
