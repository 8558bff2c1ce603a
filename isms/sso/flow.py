"""The OpenID Connect authorization-code flow for one organisation's connection.

`start` puts a fresh state, nonce and PKCE verifier in the session (mozilla-django-oidc's
helper; several sign-ins may be pending in one browser) and answers the IdP's address.
`complete` takes the IdP's answer: the state must be one this browser started (used once),
the code is exchanged at that connection's token endpoint, and the ID token must be signed
by a key of that IdP's JWKS (RS256), issued by its issuer, for our client id, unexpired,
and carry the nonce of that state. Then the person is mapped:

- an identity already linked (this connection, this `sub`) signs in its account;
- otherwise the e-mail address must be verified and of a domain the organisation claims; a
  new address gets a new account (no password) and a membership with the connection's role;
- an existing account is linked only when it belongs to no other organisation and is not
  platform staff, or when the same person is logged in in this browser already (they proved
  the password): an IdP speaks only for its own organisation's people;
- the membership given or kept is in this organisation only; an existing member keeps their
  role (an admin changes it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)

from isms import secrets_at_rest
from isms.models import Membership, Organization, SSOConnection, SSOIdentity
from isms.services import organizations
from isms.sso.connection import connection_for
from isms.tenancy import tenant_context

log = logging.getLogger(__name__)

STATES_KEY = "oidc_states"  # mozilla-django-oidc's session key: state -> nonce, verifier
SIGNING_ALGORITHM = "RS256"
SCOPES = "openid email profile"
BACKEND = "isms.sso.flow.SSOBackend"


@dataclass
class SSOFailure(Exception):
    """A refused sign-in; recorded as a security event in `organization_id`, if known."""

    message: str
    organization_id: int | None = None
    email: str = ""
    user: object = None
    status: int = 400

    def __str__(self) -> str:
        return self.message


class SSOBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's token, JWKS and userinfo code, configured by one connection.

    Listed in AUTHENTICATION_BACKENDS only so a session opened through SSO loads its user;
    it never authenticates credentials itself (`complete` does, for one connection)."""

    def __init__(self, connection: SSOConnection | None = None):
        self.UserModel = get_user_model()
        self.connection = connection
        if connection is not None:
            self.OIDC_OP_TOKEN_ENDPOINT = connection.token_endpoint
            self.OIDC_OP_USER_ENDPOINT = connection.userinfo_endpoint
            self.OIDC_OP_JWKS_ENDPOINT = connection.jwks_uri
            self.OIDC_RP_CLIENT_ID = connection.client_id
            self.OIDC_RP_CLIENT_SECRET = secrets_at_rest.decrypt(
                connection.client_secret, secrets_at_rest.Purpose.SSO_CLIENT_SECRET
            )
            self.OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
            self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        return None

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)  # refuses inactive accounts

    def _verify_jws(self, payload, key):
        # The library checks the signature only; the issuer and the audience matter when one
        # IdP serves several organisations (a token for another client must not pass).
        if jwt.get_unverified_header(payload).get("alg") != SIGNING_ALGORITHM:
            raise SuspiciousOperation("The ID token is not signed with RS256.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[SIGNING_ALGORITHM],
                audience=self.connection.client_id,
                issuer=self.connection.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"The ID token was refused: {error}.") from error


def _callback_url(request) -> str:
    return request.build_absolute_uri(reverse("sso_callback"))


def start(request, organization: Organization, *, next_url: str = "", login_hint: str = "") -> str:
    """The IdP address that starts a sign-in for `organization` (SSOFailure, 404, when it
    has no enabled connection)."""
    connection = enabled_connection(organization)
    if connection is None:
        raise SSOFailure("No single sign-on is set up at this address.", status=404)
    state, nonce, verifier = get_random_string(32), get_random_string(32), get_random_string(64)
    params = {
        "response_type": "code",
        "scope": SCOPES,
        "client_id": connection.client_id,
        "redirect_uri": _callback_url(request),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session[STATES_KEY][state].update(organization=organization.pk, next=next_url)
    request.session.modified = True
    joiner = "&" if "?" in connection.authorization_endpoint else "?"
    return connection.authorization_endpoint + joiner + urlencode(params)


def enabled_connection(organization: Organization) -> SSOConnection | None:
    with tenant_context(organization.pk, actor="single sign-on"):
        connection = connection_for(organization)
    return connection if connection is not None and connection.enabled else None


def complete(request) -> tuple[object, Organization, str]:
    """Check the IdP's answer and map the person; (user, organisation, next address)."""
    states = request.session.get(STATES_KEY) or {}
    entry = states.pop(request.GET.get("state", ""), None)
    request.session.modified = True
    if entry is None or "organization" not in entry:
        pending = max(states.values(), key=lambda e: e.get("added_on", 0), default={})
        raise SSOFailure(
            "This sign-in does not match one started in this browser (state mismatch): "
            "start again.",
            organization_id=pending.get("organization"),
        )
    organization = Organization.objects.filter(pk=entry["organization"]).first()
    if organization is None:
        raise SSOFailure("The organisation no longer exists.")
    refused = SSOFailure("", organization_id=organization.pk)
    if request.GET.get("error"):
        refused.message = f"The identity provider refused: {request.GET['error'][:100]}."
        raise refused
    connection = enabled_connection(organization)
    code = request.GET.get("code", "")
    if connection is None or not code:
        refused.message = "Single sign-on is not available for this organisation now."
        raise refused
    try:
        backend = SSOBackend(connection)
        tokens = backend.get_token(
            {
                "client_id": connection.client_id,
                "client_secret": backend.OIDC_RP_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": _callback_url(request),
                "code_verifier": entry.get("code_verifier"),
            }
        )
        id_token = tokens.get("id_token") or ""
        claims = dict(backend.verify_token(id_token, nonce=entry.get("nonce")))
        if connection.userinfo_endpoint and tokens.get("access_token"):
            info = backend.get_userinfo(tokens["access_token"], id_token, claims)
            if info.get("sub") != claims.get("sub"):
                raise SuspiciousOperation("The userinfo answer is about another subject.")
            claims.update({k: v for k, v in info.items() if k not in {"iss", "aud", "nonce"}})
    except (
        SuspiciousOperation,
        secrets_at_rest.SecretUnreadable,
        requests.RequestException,
        jwt.PyJWTError,
        ValueError,
        KeyError,
    ) as error:
        refused.message = f"The identity provider's answer was refused: {error}"
        raise refused from error
    user = _account(request, organization, connection, claims)
    return user, organization, entry.get("next") or ""


def _account(request, organization: Organization, connection: SSOConnection, claims: dict):
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    refused = SSOFailure("", organization_id=organization.pk, email=email, status=403)
    if not subject or "@" not in email or len(email) > 150:
        refused.message = "The identity provider sent no usable subject and e-mail address."
        raise refused
    if claims.get("email_verified") is False:
        refused.message = f"The identity provider has not verified {email}."
        raise refused
    if email.rpartition("@")[2] not in organization.sso_domains:
        refused.message = (
            f"{email} is not of an e-mail domain {organization.name} signs in with single sign-on."
        )
        raise refused
    User = get_user_model()
    with tenant_context(
        organization.pk, actor=f"single sign-on {email}", request_id=request.request_id
    ):
        identity = (
            SSOIdentity.objects.select_related("user")
            .filter(connection=connection, subject=subject)
            .first()
        )
        if identity is None:
            user = User.objects.filter(email__iexact=email).first()
            user = user or User.objects.filter(username__iexact=email).first()
            if user is None:
                user = _new_account(email, claims)
            elif not _may_link(request, user, organization):
                refused.user = user
                refused.message = (
                    f"An account for {email} belongs to other organisations: log in with its "
                    "password first, then Sign in with SSO to link it."
                )
                raise refused
            identity = SSOIdentity.objects.create(connection=connection, subject=subject, user=user)
        user = identity.user
        if not user.is_active:
            refused.user = user
            refused.message = "This account is deactivated."
            raise refused
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        if not Membership.objects.filter(user=user, organization=organization).exists():
            organizations.membership_set(
                organization=organization, user=user, role=connection.default_role
            )
    return user


def _new_account(email: str, claims: dict):
    User = get_user_model()
    try:
        with transaction.atomic():
            return User.objects.create_user(  # no password: it signs in through its IdP
                username=email,
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
            )
    except IntegrityError:  # the same person's first sign-in in two tabs at once
        return User.objects.get(username__iexact=email)


def _may_link(request, user, organization: Organization) -> bool:
    current = getattr(request, "user", None)
    if current is not None and current.is_authenticated and current.pk == user.pk:
        return True
    if user.is_staff or user.is_superuser:
        return False
    return not Membership.objects.filter(user=user).exclude(organization=organization).exists()
