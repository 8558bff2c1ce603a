"""An admin connects the organisation's IdP: read its discovery document, check every address
it names, store the connection (secret encrypted) and the routing on the Organization row.

Each address Guardrail's server will call (discovery, token, JWKS, userinfo) must be HTTPS
and must not resolve to a loopback, private, link-local or reserved address, so an admin
cannot aim the server at the deployment's own network. `SSO_ALLOW_LOCAL_PROVIDERS` lifts
both rules for development and the tests (a provider on 127.0.0.1 over HTTP).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from isms import secrets_at_rest
from isms.models import Organization, SSOConnection

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 20
TIMEOUT_SECONDS = 5


def check_address(url: str, *, field: str) -> str:
    """Refuse an address the server must not call (see the module docstring)."""
    parts = urlsplit(url)
    if getattr(settings, "SSO_ALLOW_LOCAL_PROVIDERS", False):
        if parts.scheme in {"http", "https"} and parts.hostname:
            return url
        raise ValidationError({field: f"{url!r} is not an http(s) address."})
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError({field: f"{url!r} is not an https address."})
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise ValidationError({field: f"{parts.hostname!r} does not resolve."}) from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValidationError(
                {field: f"{parts.hostname!r} resolves to a non-public address ({address})."}
            )
    return url


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str


def discover(issuer: str) -> Discovery:
    """Read and check the IdP's OpenID Provider configuration (OpenID Connect Discovery 1.0)."""
    issuer = issuer.strip().rstrip("/")
    url = check_address(issuer + "/.well-known/openid-configuration", field="issuer")
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ValidationError(
            {"issuer": f"The IdP's discovery document could not be read from {url}: {error}"}
        ) from error
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ValidationError(
            {"issuer": "The discovery document names another issuer than the one entered."}
        )
    found = {}
    for name in ["authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"]:
        value = document.get(name) or ""
        if not value and name != "userinfo_endpoint":
            raise ValidationError({"issuer": f"The discovery document has no {name}."})
        found[name] = check_address(value, field="issuer") if value else ""
    if "RS256" not in document.get("id_token_signing_alg_values_supported", ["RS256"]):
        raise ValidationError({"issuer": "The IdP does not sign ID tokens with RS256."})
    return Discovery(issuer=document["issuer"], **found)


def parse_domains(text: str) -> list[str]:
    domains = sorted({d.strip().lower().lstrip("@") for d in re.split(r"[\s,;]+", text) if d})
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise ValidationError({"domains": f"Not an e-mail domain: {bad[0]!r}."})
    if not domains:
        raise ValidationError({"domains": "Name at least one e-mail domain, e.g. example.com."})
    if len(domains) > MAX_DOMAINS:
        raise ValidationError({"domains": f"At most {MAX_DOMAINS} domains."})
    return domains


def connection_for(organization: Organization) -> SSOConnection | None:
    """The organisation's connection (call inside its tenant context)."""
    return SSOConnection.objects.filter(organization=organization).first()


def connection_save(
    *,
    organization: Organization,
    enabled: bool,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: list[str],
    default_role: str,
    password_login_allowed: bool,
    session_is_sso: bool,
) -> SSOConnection:
    """Create or change the organisation's connection (inside its tenant context).

    An empty `client_secret` keeps the stored one. Requiring SSO needs a session opened
    through this connection, so an admin cannot lock everyone out with a broken one.
    """
    existing = connection_for(organization)
    if not client_secret and existing is None:
        raise ValidationError({"client_secret": "Enter the client secret the IdP issued."})
    require = enabled and not password_login_allowed
    if require and not organization.sso_required and not session_is_sso:
        raise ValidationError(
            {
                "password_login_allowed": "Sign in through this connection first (log out, "
                "then Sign in with SSO), so that requiring it cannot lock you out."
            }
        )
    found = discover(issuer) if enabled or existing is None else None
    with transaction.atomic():
        connection = existing or SSOConnection(organization=organization)
        connection.enabled = enabled
        connection.client_id = client_id.strip()
        connection.default_role = default_role
        if client_secret:
            connection.client_secret = secrets_at_rest.encrypt(
                client_secret, secrets_at_rest.Purpose.SSO_CLIENT_SECRET
            )
        if found is not None:
            connection.issuer = found.issuer
            connection.authorization_endpoint = found.authorization_endpoint
            connection.token_endpoint = found.token_endpoint
            connection.jwks_uri = found.jwks_uri
            connection.userinfo_endpoint = found.userinfo_endpoint
        connection.full_clean(exclude=["organization", "client_secret"])
        connection.save()
        organization.sso_domains = domains
        organization.sso_required = require
        organization.save(update_fields=["sso_domains", "sso_required"])
    return connection


def organizations_for_email(email: str) -> list[Organization]:
    """Organisations whose SSO claims the address's domain (read before a tenant is known)."""
    domain = email.strip().lower().rpartition("@")[2]
    if not domain:
        return []
    return list(Organization.objects.filter(sso_domains__contains=[domain]).order_by("pk")[:2])
