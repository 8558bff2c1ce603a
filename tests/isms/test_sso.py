"""Single sign-on with OpenID Connect, one connection per organisation (issue 18, "Accounts
and sessions"; ISO/IEC 27001:2022 A.5.16 identity management, A.5.18 access rights, A.8.5
secure authentication), driven end to end against a provider the test starts
(tests/isms/oidc_provider.py): real HTTP for discovery, token, JWKS and userinfo, Django's
test client for the browser, redirects followed by hand."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.db import connections

from isms import secrets_at_rest
from isms.models import Membership, Role, SecurityEvent, SecurityEventKind, SSOConnection
from isms.sso import connection as sso_connection
from isms.tenancy import tenant_context
from tests.factories import TEST_PASSWORD, MembershipFactory
from tests.isms.oidc_provider import Provider

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def local_providers(settings):
    settings.SSO_ALLOW_LOCAL_PROVIDERS = True


@pytest.fixture
def idp(local_providers):
    with Provider() as provider:
        yield provider


def connect(organization, provider, *, domains=("alpha.test",), role=Role.CONTRIBUTOR, **kw):
    with tenant_context(organization.pk, actor="test"):
        organization.refresh_from_db()
        return sso_connection.connection_save(
            organization=organization,
            enabled=True,
            issuer=provider.issuer,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            domains=list(domains),
            default_role=role,
            password_login_allowed=kw.get("password_login_allowed", True),
            session_is_sso=kw.get("session_is_sso", False),
        )


def through_idp(client, response):
    """Follow the redirect to the IdP's /authorize (real HTTP) and its redirect back."""
    assert response.status_code == 302, response.content[:500]
    at_idp = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert at_idp.status_code == 302
    back = urlsplit(at_idp.headers["Location"])
    assert back.path == "/accounts/sso/callback/"
    return client.get(back.path + "?" + back.query)


def sign_in(client, slug="alpha"):
    return through_idp(client, client.get(f"/accounts/sso/{slug}/"))


def events(organization, kind) -> list[SecurityEvent]:
    with tenant_context(organization.pk):
        return list(SecurityEvent.objects.filter(kind=kind))


def test_a_new_person_gets_the_mapped_membership_of_that_organisation_only(
    client, idp, org_a, org_b
):
    connect(org_a, idp, role=Role.OFFICER)
    idp.person = {"sub": "ada-1", "email": "Ada@Alpha.test", "email_verified": True}

    answer = sign_in(client)

    assert answer.status_code == 302 and answer["Location"] == "/o/alpha/"
    ada = User.objects.get(email="ada@alpha.test")
    assert not ada.has_usable_password()
    assert list(Membership.objects.filter(user=ada).values_list("organization", "role")) == [
        (org_a.pk, Role.OFFICER)
    ]
    assert client.get("/o/alpha/").status_code == 200
    assert client.get("/o/bravo/").status_code == 404
    [logged_in] = events(org_a, SecurityEventKind.SSO_LOGIN)
    assert logged_in.user_id == ada.pk and events(org_b, SecurityEventKind.SSO_LOGIN) == []
    # The flow used the provider's every endpoint, PKCE and the nonce included.
    assert {"/authorize", "/token", "/jwks", "/userinfo"} <= set(idp.requests)

    # The next sign-in keeps the membership and the role an admin gave meanwhile.
    Membership.objects.filter(user=ada).update(role=Role.CONTRIBUTOR)
    client.logout()
    assert sign_in(client).status_code == 302
    assert Membership.objects.get(user=ada).role == Role.CONTRIBUTOR
    assert User.objects.filter(email__iexact="ada@alpha.test").count() == 1


def test_e_mail_first_finds_the_organisation_by_its_domain(client, idp, org_a):
    connect(org_a, idp)
    assert b"Sign in with SSO" in client.get("/accounts/login/").content
    started = client.post("/accounts/sso/", {"email": "ada@alpha.test"})
    assert started.status_code == 302 and started["Location"].startswith(idp.issuer + "/authorize")
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["login_hint"] == ["ada@alpha.test"] and query["code_challenge_method"] == ["S256"]
    assert through_idp(client, started)["Location"] == "/o/alpha/"

    unknown = client.post("/accounts/sso/", {"email": "bob@elsewhere.test"})
    assert unknown.status_code == 400 and b"No organisation signs in" in unknown.content


def test_an_address_outside_the_organisations_domains_is_refused(client, idp, org_a):
    connect(org_a, idp)
    idp.person = {"sub": "eve-1", "email": "eve@evil.test", "email_verified": True}
    answer = sign_in(client)
    assert answer.status_code == 403 and b"not of an e-mail domain" in answer.content
    assert not User.objects.filter(email="eve@evil.test").exists()
    assert "_auth_user_id" not in client.session
    [failed] = events(org_a, SecurityEventKind.SSO_FAILED)
    assert failed.email == "eve@evil.test" and failed.user_id is None


def test_an_unverified_address_is_refused(client, idp, org_a):
    connect(org_a, idp)
    idp.person = {"sub": "ada-1", "email": "ada@alpha.test", "email_verified": False}
    assert sign_in(client).status_code == 403
    assert not User.objects.filter(email="ada@alpha.test").exists()


def test_a_state_that_this_browser_did_not_start_is_refused(client, idp, org_a):
    connect(org_a, idp)
    started = client.get("/accounts/sso/alpha/")
    at_idp = requests.get(started["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_idp.headers["Location"])
    forged = {k: v[0] for k, v in parse_qs(back.query).items()} | {"state": "not-the-one"}
    answer = client.get(back.path, forged)
    assert answer.status_code == 400 and b"state mismatch" in answer.content
    assert "_auth_user_id" not in client.session and "/token" not in idp.requests
    assert len(events(org_a, SecurityEventKind.SSO_FAILED)) == 1
    # The genuine answer, replayed in another browser, is refused the same way.
    other = type(client)()
    assert other.get(back.path + "?" + back.query).status_code == 400


@pytest.mark.parametrize(
    "tamper",
    [
        {"nonce": "another-nonce"},
        {"audience": "another-client"},
        {"issuer": "http://127.0.0.1:9/"},
        {"sign_with": "another key"},
    ],
    ids=["nonce-mismatch", "audience", "issuer", "signature"],
)
def test_an_id_token_that_does_not_fit_the_sign_in_is_refused(client, idp, org_a, tamper):
    connect(org_a, idp)
    if tamper.get("sign_with"):
        tamper["sign_with"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.tamper = tamper
    answer = sign_in(client)
    assert answer.status_code == 400 and b"answer was refused" in answer.content
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email="ada@alpha.test").exists()
    assert len(events(org_a, SecurityEventKind.SSO_FAILED)) == 1


def test_another_organisations_connection_cannot_be_used_to_enter_alpha(
    client, client_for, local_providers, org_a, org_b, member
):
    """Bravo's admin controls Bravo's IdP, which may claim anything: it must not open Alpha."""
    officer = member(org_a, Role.OFFICER)  # an Alpha member who logs in with a password
    with Provider() as alpha_idp, Provider() as bravo_idp:
        connect(org_a, alpha_idp, domains=["alpha.test"])
        connect(org_b, bravo_idp, domains=["alpha.test", "example.test"])
        # 1. Bravo's IdP asserts the Alpha officer's address: no sign-in, no membership.
        bravo_idp.person = {"sub": "x", "email": officer.email, "email_verified": True}
        answer = sign_in(client, "bravo")
        assert answer.status_code == 403 and b"belongs to other organisations" in answer.content
        assert "_auth_user_id" not in client.session
        assert not Membership.objects.filter(user=officer, organization=org_b).exists()
        assert events(org_b, SecurityEventKind.SSO_FAILED)[0].user_id == officer.pk

        # 2. A consultant of both links Bravo's IdP while logged in with the password; a
        #    session opened by Bravo's IdP then opens Bravo only (UI, API, portfolio).
        consultant = member(org_a, Role.OFFICER)
        MembershipFactory(organization=org_b, user=consultant, role=Role.OFFICER)
        browser = client_for(consultant)
        bravo_idp.person = {"sub": "c-1", "email": consultant.email, "email_verified": True}
        assert sign_in(browser, "bravo")["Location"] == "/o/bravo/"
        browser.logout()
        assert sign_in(browser, "bravo")["Location"] == "/o/bravo/"  # linked: no password
        assert browser.get("/o/bravo/").status_code == 200
        refused = browser.get("/o/alpha/")
        assert refused.status_code == 403 and b"another organisation" in refused.content
        assert browser.get("/api/v1/orgs/alpha/assets/").status_code == 403
        assert b"Alpha Ltd" not in browser.get("/portfolio/").content

        # 3. Alpha's own IdP still opens Alpha for its people.
        alpha_idp.person = {"sub": "a-9", "email": "new@alpha.test", "email_verified": True}
        fresh = type(client)()
        assert sign_in(fresh, "alpha")["Location"] == "/o/alpha/"
        assert fresh.get("/o/bravo/").status_code == 404


def test_an_organisation_that_requires_sso_refuses_password_sessions(
    client, client_for, idp, org_a, member
):
    admin = member(org_a, Role.ADMIN)  # user…@example.test
    connect(org_a, idp, domains=["example.test"])
    # Requiring it needs a session opened through it: no lock-out by a broken connection.
    with pytest.raises(Exception, match="Sign in through this connection first"):
        connect(org_a, idp, domains=["example.test"], password_login_allowed=False)
    connect(org_a, idp, domains=["example.test"], password_login_allowed=False, session_is_sso=True)

    by_password = client_for(admin)
    page = by_password.get("/o/alpha/assets/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/sso/alpha/?next=")
    assert by_password.get("/api/v1/orgs/alpha/assets/").status_code == 403

    idp.person = {"sub": "adm", "email": admin.email, "email_verified": True}
    assert sign_in(client).status_code == 302
    assert client.get("/o/alpha/assets/").status_code == 200


def test_the_admin_connects_the_idp_on_the_settings_page(client_for, idp, org_a, org_b, member):
    admin = member(org_a, Role.ADMIN)
    browser = client_for(admin)
    assert browser.get("/o/alpha/settings/sso/").status_code == 200
    form = {
        "enabled": "on",
        "issuer": idp.issuer,
        "client_id": idp.client_id,
        "client_secret": idp.client_secret,
        "domains": "Alpha.test, @alpha-group.test",
        "default_role": Role.CONTRIBUTOR,
        "password_login_allowed": "on",
    }
    assert browser.post("/o/alpha/settings/sso/", form).status_code == 302
    org_a.refresh_from_db()
    assert org_a.sso_domains == ["alpha-group.test", "alpha.test"]
    with tenant_context(org_a.pk):
        stored = SSOConnection.objects.get()
    assert stored.token_endpoint == idp.issuer + "/token"
    assert idp.client_secret not in stored.client_secret
    assert (
        secrets_at_rest.decrypt(stored.client_secret, secrets_at_rest.Purpose.SSO_CLIENT_SECRET)
        == idp.client_secret
    )
    page = browser.get("/o/alpha/settings/sso/").content.decode()
    assert idp.client_secret not in page and stored.client_secret not in page
    assert events(org_a, SecurityEventKind.SSO_CONFIGURED)

    # Bad input: a clear 400 naming the field, nothing changed.
    bad = browser.post("/o/alpha/settings/sso/", form | {"domains": "not a domain!"})
    assert bad.status_code == 400 and b"Not an e-mail domain" in bad.content
    # Officers do not see it; Bravo neither sees nor detects it.
    assert client_for(member(org_a, Role.OFFICER)).get("/o/alpha/settings/sso/").status_code == 403
    other = client_for(member(org_b, Role.ADMIN))
    assert idp.issuer.encode() not in other.get("/o/bravo/settings/sso/").content
    with tenant_context(org_b.pk):
        assert not SSOConnection.objects.exists()
    with connections["default"].cursor() as cursor, tenant_context(org_b.pk):
        cursor.execute("SELECT count(*) FROM isms_ssoconnection")
        assert cursor.fetchone()[0] == 0  # row-level security, below the ORM


def test_the_server_calls_no_local_address_in_production(settings, idp, org_a):
    settings.SSO_ALLOW_LOCAL_PROVIDERS = False
    with pytest.raises(Exception, match="not an https address"):
        connect(org_a, idp)
    with pytest.raises(Exception, match="non-public address"):
        sso_connection.check_address("https://127.0.0.1/", field="issuer")


def test_the_password_still_works_where_sso_is_optional(client, idp, org_a, member):
    connect(org_a, idp)
    officer = member(org_a, Role.OFFICER)
    answer = client.post("/accounts/login/", {"username": officer.email, "password": TEST_PASSWORD})
    assert answer.status_code == 302
    assert client.get("/o/alpha/").status_code == 200
