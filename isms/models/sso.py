"""Single sign-on with OpenID Connect, one connection per organisation (issue 18).

An organisation's admin connects the organisation's own identity provider (IdP): its issuer,
the client id and secret Guardrail was registered with there, and the e-mail domains the
IdP speaks for. The connection and the identities it has signed in are tenant data (row-level
security like any register); the client secret is stored encrypted (isms.secrets_at_rest).

What must be read before a tenant is known lives on the Organization row, like its slug:
which e-mail domains route to it ("Sign in with SSO", e-mail first) and whether its members
must sign in through it (TenantMiddleware refuses a password session there).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from isms.models.access import Role
from isms.tenancy import TenantModel

# A connection never makes admins (nor time-boxed auditors): an admin promotes a member.
SSO_ROLES = [
    (Role.OFFICER.value, Role.OFFICER.label),
    (Role.CONTRIBUTOR.value, Role.CONTRIBUTOR.label),
]


class SSOConnection(TenantModel):
    enabled = models.BooleanField(default=True)
    issuer = models.URLField(
        "issuer",
        max_length=300,
        help_text="The IdP's issuer address; its /.well-known/openid-configuration is read.",
    )
    client_id = models.CharField("client id", max_length=200)
    # Fernet token of the client secret (isms.secrets_at_rest); never shown back.
    client_secret = models.TextField(editable=False)
    authorization_endpoint = models.URLField(max_length=500, editable=False)
    token_endpoint = models.URLField(max_length=500, editable=False)
    userinfo_endpoint = models.URLField(max_length=500, blank=True, editable=False)
    jwks_uri = models.URLField(max_length=500, editable=False)
    default_role = models.CharField(
        "role of new members",
        max_length=20,
        choices=SSO_ROLES,
        default=Role.CONTRIBUTOR,
        help_text="Given to a person's first sign-in; an admin changes it later.",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "single sign-on connection"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="ssoconnection_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Single sign-on through {self.issuer}"


class SSOIdentity(TenantModel):
    """A person as the organisation's IdP knows them (its `sub`), linked to one account."""

    connection = models.ForeignKey(SSOConnection, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "connection", "subject"], name="ssoidentity_one_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.connection.issuer}"
