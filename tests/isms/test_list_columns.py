"""Column choice on the large registers (issue 17, "a look a compliance team trusts"): the
member picks which columns the asset, risk and supplier registers show; the choice is kept
for that person (every device), a column not shown is neither rendered nor joined, and the
chooser is an accessible plain form that HTMX enhances."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from isms.list_columns import ColumnSet
from isms.models import AuditEvent, ListColumns, Role
from tests.assets.factories import AssetFactory
from tests.risks.factories import RiskFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


@dataclass
class Register:
    path: str  # under /o/<slug>/
    column_set: ColumnSet
    hidden_key: str  # a default column to hide
    hidden_header: str
    hidden_table: str  # the table its join reads ("" when it joins nothing)
    optional_key: str  # a column off by default
    optional_header: str

    def url(self, org) -> str:
        return f"/o/{org.slug}/{self.path}"


def _registers() -> list[Register]:
    from assets.views import ASSET_COLUMNS
    from risks.views.register import RISK_COLUMNS
    from suppliers.views.supplier import SUPPLIER_COLUMNS

    return [
        Register(
            "assets/", ASSET_COLUMNS, "supplier", ">Supplier</th>", "suppliers_supplier",
            "custodian", ">Custodian</th>",
        ),
        Register(
            "risks/", RISK_COLUMNS, "owner", ">Owner</th>", "auth_user",
            "created", ">Raised on</th>",
        ),
        Register(
            "suppliers/", SUPPLIER_COLUMNS, "certificates", ">Certificates</th>",
            "suppliers_suppliercertification", "website", ">Website</th>",
        ),
    ]  # fmt: skip


REGISTERS = _registers()


@pytest.fixture(params=REGISTERS, ids=lambda r: r.column_set.register)
def register(request):
    return request.param


def _fill(org, owner, in_tenant, n: int) -> None:
    with in_tenant(org):
        supplier = SupplierFactory(organization=org, owner=owner)
        for _ in range(n):
            AssetFactory(organization=org, owner=owner, supplier=supplier)
            RiskFactory(organization=org, owner=owner)
            SupplierFactory(organization=org, owner=owner)


def _headers(html: str) -> int:
    table = html.split('<table class="table table-sm table-hover align-middle table-sticky">')[1]
    body = table.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return body.count("<th ")


def test_the_usual_columns_show_until_a_member_chooses(register, org_a, member, client_for):
    client = client_for(member(org_a, Role.OFFICER))
    html = client.get(register.url(org_a)).content.decode()
    assert register.hidden_header in html and register.optional_header not in html
    # The chooser: a fieldset with its legend, one form-check box per column, the first
    # (which names the row and links to it) always shown and so not untickable.
    chooser = html.split('<details class="column-choice', 1)[1].split("</details>", 1)[0]
    assert "<fieldset>" in chooser and "Columns to show</legend>" in chooser
    assert chooser.count('class="form-check"') == len(register.column_set.columns)
    first = register.column_set.columns[0].key
    assert f'value="{first}" id="col-{first}" checked disabled' in chooser
    assert f'id="col-{register.optional_key}">' in chooser  # offered, not ticked
    assert 'hx-post="' in chooser and 'method="post"' in chooser


def test_a_choice_is_kept_for_the_person_on_every_device(
    register, org_a, member, client_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    _fill(org_a, officer, in_tenant, 2)
    keep = [c.key for c in register.column_set.columns if c.key != register.hidden_key]
    response = client_for(officer).post(
        register.url(org_a) + "columns/", {"columns": keep, "return_query": "q=Vendor&page=1"}
    )
    # Without JavaScript: back to the register, with the query it was shown with.
    assert response.status_code == 302
    assert response["Location"] == register.url(org_a) + "?q=Vendor&page=1"
    # Another browser of the same person (a new session) shows the same columns.
    html = client_for(officer).get(register.url(org_a)).content.decode()
    assert register.hidden_header not in html and register.optional_header in html
    assert _headers(html) == len(register.column_set.columns) - 1 + (
        1 if register.column_set.register == "assets" else 0  # the bulk tick-box column
    )
    # Nobody else's register changes.
    colleague = client_for(member(org_a, Role.OFFICER)).get(register.url(org_a))
    assert register.hidden_header in colleague.content.decode()
    # Choosing columns writes nothing of the organisation: no audit event.
    with in_tenant(org_a):
        assert not AuditEvent.objects.filter(table_name__icontains="listcolumns").exists()


def test_a_hidden_column_is_not_joined_or_counted(register, org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    _fill(org_a, officer, in_tenant, 3)
    client = client_for(officer)

    def rows_sql() -> str:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(register.url(org_a)).status_code == 200
        table = {"assets": "assets_asset", "risks": "risks_risk"}.get(
            register.column_set.register, "suppliers_supplier"
        )
        # The page of rows: the register's table, sliced.
        return "\n".join(
            q["sql"]
            for q in captured.captured_queries
            if f'FROM "{table}"' in q["sql"] and "LIMIT" in q["sql"]
        )

    assert register.hidden_table in rows_sql()
    keep = [c.key for c in register.column_set.columns if c.key != register.hidden_key]
    if register.hidden_table == "auth_user":
        # The owner's name is not read with the rows (the page still reads the member).
        client.post(register.url(org_a) + "columns/", {"columns": keep})
        rows = rows_sql()
        assert rows and 'JOIN "auth_user"' not in rows
    else:
        client.post(register.url(org_a) + "columns/", {"columns": keep})
        assert f'JOIN "{register.hidden_table}"' not in rows_sql()
    # Nor is anything else joined in its place.
    rows = rows_sql()
    assert rows and 'JOIN "isms_organization"' not in rows


def test_query_counts_stay_flat_with_every_column_and_many_rows(
    register, org_a, member, client_for, in_tenant, django_assert_max_num_queries
):
    officer = member(org_a, Role.OFFICER)
    client = client_for(officer)
    client.post(
        register.url(org_a) + "columns/",
        {"columns": [c.key for c in register.column_set.columns]},
    )
    _fill(org_a, officer, in_tenant, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(register.url(org_a))
    _fill(org_a, officer, in_tenant, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(register.url(org_a)).content.decode()
    assert register.optional_header in html


def test_with_htmx_the_answer_is_the_rows_with_the_filters_in_force(
    register, org_a, member, client_for, in_tenant
):
    officer = member(org_a, Role.OFFICER)
    _fill(org_a, officer, in_tenant, 2)
    client = client_for(officer)
    url = register.url(org_a)
    response = client.post(
        url + "columns/",
        {"columns": [register.optional_key], "return_query": "stale=1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{url}?q=1",
        follow=True,
        headers={"HX-Request": "true"},
    )
    assert response.redirect_chain == [(url + "?q=1", 302)]
    html = response.content.decode()
    assert "<html" not in html and "<thead>" in html
    assert register.optional_header in html and register.hidden_header not in html


def test_unknown_columns_are_refused_and_nothing_is_kept(register, org_a, member, client_for):
    officer = member(org_a, Role.OFFICER)
    response = client_for(officer).post(
        register.url(org_a) + "columns/", {"columns": ["name", "password"]}, follow=True
    )
    assert b"has no column" in response.content and b"&#x27;password&#x27;" in response.content
    assert not ListColumns.objects.filter(user=officer).exists()


def test_back_to_the_usual_columns(register, org_a, member, client_for):
    officer = member(org_a, Role.OFFICER)
    client = client_for(officer)
    client.post(register.url(org_a) + "columns/", {"columns": [register.optional_key]})
    assert ListColumns.objects.filter(user=officer).count() == 1
    client.post(register.url(org_a) + "columns/", {"reset": "1"})
    assert not ListColumns.objects.filter(user=officer).exists()
    html = client.get(register.url(org_a)).content.decode()
    assert register.hidden_header in html and register.optional_header not in html


def test_an_auditor_reads_the_register_with_their_own_columns(register, org_a, member, client_for):
    """Choosing columns is reading: a read-only auditor may, and it changes nothing else."""
    auditor = member(org_a, Role.AUDITOR)
    client = client_for(auditor)
    response = client.post(register.url(org_a) + "columns/", {"columns": []})
    assert response.status_code == 302
    html = client.get(register.url(org_a)).content.decode()
    assert register.hidden_header not in html


def test_another_organisations_member_cannot_use_our_register(register, org_a, org_b, member):
    from django.test import Client

    outsider = member(org_b, Role.ADMIN)
    client = Client()
    client.force_login(outsider)
    assert client.post(register.url(org_a) + "columns/", {"columns": []}).status_code == 404
    assert not ListColumns.objects.filter(user=outsider).exists()


def test_exports_keep_every_column_whatever_the_page_shows(org_a, member, client_for, in_tenant):
    officer = member(org_a, Role.OFFICER)
    _fill(org_a, officer, in_tenant, 1)
    client = client_for(officer)
    client.post(f"/o/{org_a.slug}/suppliers/columns/", {"columns": []})
    client.post(f"/o/{org_a.slug}/assets/columns/", {"columns": []})
    suppliers = client.get(f"/o/{org_a.slug}/suppliers/export/", {"as": "csv"})
    assets = client.get(f"/o/{org_a.slug}/assets/export/", {"format": "csv"})
    supplier_header = b"".join(
        suppliers.streaming_content if suppliers.streaming else [suppliers.content]
    ).split(b"\n")[0]
    asset_header = b"".join(
        assets.streaming_content if assets.streaming else [assets.content]
    ).split(b"\n")[0]
    assert (
        b"certifications_expiring" in supplier_header.lower()
        or b"certif" in supplier_header.lower()
    )
    assert b"owner" in asset_header.lower() and b"supplier" in asset_header.lower()
