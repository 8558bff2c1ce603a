"""The generated client is a test (issue 20): an integrator generates a Python client from the
live `/api/schema/` with openapi-python-client (a tool nobody here wrote), imports every module
of it and works a live server with an API key, the generated code untouched.

Marked `generated_client` (deselect with `-m "not generated_client"`); `make test` runs it.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime

import pytest

from isms.models import Role
from isms.services.api_keys import api_key_create
from policies.models import PolicyVersion
from tests.factories import load_all_factories, make_object

pytestmark = [pytest.mark.generated_client, pytest.mark.django_db(transaction=True)]
load_all_factories()

PACKAGE = "guardrail_client"


@pytest.fixture(scope="module")
def client_package(live_server, tmp_path_factory):
    """The client package generated (once) from the schema the live server serves."""
    tmp_path = tmp_path_factory.mktemp("generated")
    schema = tmp_path / "schema.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=30) as r:
        schema.write_bytes(r.read())
    config = tmp_path / "config.yaml"
    # No formatter run: the code exactly as generated. The generator reads only JSON, text
    # and octet-stream bodies; its documented setting maps the organisation export's
    # application/zip download to a binary file (configuration, not a patch of the code).
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  application/zip: application/octet-stream\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # The generator skips what it cannot model with a warning: every operation must make it.
    assert "Warning" not in output, output[-3000:]
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _operation(tag: str, name: str):
    return importlib.import_module(f"{PACKAGE}.api.{tag}.v1_orgs_{name}")


def test_every_generated_module_imports(client_package):
    failed, endpoints = [], 0
    for module in pkgutil.walk_packages(client_package.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failed.append(f"{module.name}: {exc!r}")
        endpoints += module.name.startswith(f"{PACKAGE}.api.") and not module.ispkg
    assert failed == []
    assert endpoints > 100


def test_an_integration_round_with_the_generated_client(client_package, live_server, org_a, member):
    from isms.controls.loader import load_control_library

    load_control_library()
    owner = member(org_a, Role.OFFICER)
    make_object(PolicyVersion, org_a)
    token = api_key_create(
        organization=org_a, actor=None, name="generated client", access="read_write"
    ).token
    models = importlib.import_module(f"{PACKAGE}.models")
    api = client_package.AuthenticatedClient(
        base_url=live_server.url, token=token, raise_on_unexpected_status=True
    )
    slug = org_a.slug

    # Page through the control library.
    controls, page = [], 1
    while True:
        listed = _operation("controls", "controls_list").sync_detailed(
            slug, client=api, page=page, page_size=50
        )
        assert listed.status_code == 200
        controls += [c.id for c in listed.parsed.results]
        if not listed.parsed.next_:
            break
        page += 1
    assert page > 1 and len(set(controls)) == len(controls) == listed.parsed.count

    # A supplier, and an AI asset linked to it.
    supplier = _operation("suppliers", "suppliers_create").sync_detailed(
        slug,
        client=api,
        body=models.SupplierRequest(
            name="Acme AI", owner=owner.pk, ai_services=[models.AiServicesEnum.AI_API]
        ),
    )
    assert supplier.status_code == 201, supplier.content
    supplier = supplier.parsed
    assert supplier.rating is None
    asset = _operation("assets", "assets_create").sync_detailed(
        slug,
        client=api,
        body=models.AssetRequest(
            name="Support assistant",
            asset_type=models.AssetTypeEnum.AI_SAAS_TOOL,
            owner=owner.pk,
            supplier=supplier.id,
            data_categories=[models.DataCategoriesEnum.CUSTOMER_CONTENT],
            customer_facing=True,
        ),
    )
    assert asset.status_code == 201, asset.content
    asset = asset.parsed
    assert asset.supplier == supplier.id and asset.customer_facing is True

    before_patch = datetime.now(UTC)
    # PATCH clears a field with null and a list with []; what it does not name stays (JSON,
    # not multipart: no "None" strings, no reset booleans).
    patched = _operation("assets", "assets_partial_update").sync_detailed(
        slug,
        str(asset.id),
        client=api,
        body=models.PatchedAssetRequest(supplier=None, data_categories=[]),
    )
    assert patched.status_code == 200, patched.content
    assert patched.parsed.supplier is None and patched.parsed.data_categories == []
    assert patched.parsed.customer_facing is True

    # List and filter.
    assets_list = _operation("assets", "assets_list")
    everything = assets_list.sync_detailed(slug, client=api).parsed
    assert [a.id for a in everything.results] == [asset.id]
    ai_tools = assets_list.sync_detailed(
        slug, client=api, asset_type=models.V1OrgsAssetsListType.AI_SAAS_TOOL
    ).parsed
    assert [a.id for a in ai_tools.results] == [asset.id]
    databases = assets_list.sync_detailed(
        slug, client=api, asset_type=models.V1OrgsAssetsListType.DATABASE
    ).parsed
    assert databases.count == 0

    # The supplier and policy-version lists parse (their blank choices answer null).
    suppliers = _operation("suppliers", "suppliers_list").sync_detailed(slug, client=api)
    assert [s.rating for s in suppliers.parsed.results] == [None]
    versions = _operation("policy_versions", "policy_versions_list").sync_detailed(slug, client=api)
    assert versions.status_code == 200 and versions.parsed.count == 1
    assert versions.parsed.results[0].document_type is None

    # The documented errors, read by their code.
    invalid = _operation("suppliers", "suppliers_create").sync_detailed(
        slug, client=api, body=models.SupplierRequest(name="", owner=owner.pk)
    )
    assert invalid.status_code == 400
    assert invalid.parsed.code == models.ErrorCodeEnum.INVALID
    assert "name" in invalid.parsed.errors.additional_properties
    missing = _operation("assets", "assets_retrieve").sync_detailed(slug, "999999", client=api)
    assert missing.status_code == 404
    assert missing.parsed.code == models.ErrorCodeEnum.NOT_FOUND

    # A POST retried with its Idempotency-Key gets the first answer and creates nothing.
    create_supplier = _operation("suppliers", "suppliers_create")
    request = models.SupplierRequest(name="Retried AI", owner=owner.pk)
    first = create_supplier.sync_detailed(slug, client=api, body=request, idempotency_key="k-1")
    retry = create_supplier.sync_detailed(slug, client=api, body=request, idempotency_key="k-1")
    assert first.status_code == retry.status_code == 201
    assert retry.parsed.id == first.parsed.id
    assert retry.headers.get("idempotent-replayed") == "true"
    reused = create_supplier.sync_detailed(
        slug,
        client=api,
        body=models.SupplierRequest(name="Another", owner=owner.pk),
        idempotency_key="k-1",
    )
    assert reused.status_code == 422
    assert reused.parsed.code == models.ErrorCodeEnum.IDEMPOTENCY_KEY_REUSED

    # A stale If-Match is refused with 412 and changes nothing; the current tag writes.
    retrieve = _operation("assets", "assets_retrieve")
    stale = retrieve.sync_detailed(slug, str(asset.id), client=api).headers["etag"]
    patch = _operation("assets", "assets_partial_update")
    assert (
        patch.sync_detailed(
            slug, str(asset.id), client=api, body=models.PatchedAssetRequest(name="Renamed")
        ).status_code
        == 200
    )
    refused = patch.sync_detailed(
        slug,
        str(asset.id),
        client=api,
        body=models.PatchedAssetRequest(name="Lost update"),
        if_match=stale,
    )
    assert refused.status_code == 412
    assert refused.parsed.code == models.ErrorCodeEnum.PRECONDITION_FAILED
    current = retrieve.sync_detailed(slug, str(asset.id), client=api)
    assert current.parsed.name == "Renamed"
    accepted = patch.sync_detailed(
        slug,
        str(asset.id),
        client=api,
        body=models.PatchedAssetRequest(name="Safely renamed"),
        if_match=current.headers["etag"],
    )
    assert accepted.status_code == 200 and accepted.parsed.name == "Safely renamed"

    # Sync: what changed after a moment, and the audit feed by cursor.
    changed = assets_list.sync_detailed(slug, client=api, updated_after=before_patch).parsed
    assert [a.id for a in changed.results] == [asset.id]
    feed = _operation("audit_events", "audit_events_feed_list").sync_detailed(
        slug, client=api, table="assets_asset", page_size=2
    )
    assert feed.status_code == 200 and len(feed.parsed.results) == 2
