"""Security events: what happened to people's accounts, in each organisation they belong to.

Changes to memberships, invitations and API keys are already rows the audit trigger records;
log-ins, failures, lock-outs, log-outs and password resets change no register, so they are
recorded here, one row per organisation the person belongs to (each organisation's officers
see their own people's events, nothing of another's). A row is written once and never changed
(a database trigger refuses UPDATE and DELETE), and its insert enters the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from isms.tenancy import TenantModel


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Log-in failed"
    LOCKED_OUT = "locked_out", "Log-in paused after repeated failures"
    LOGIN_REFUSED_LOCKED = "login_refused_locked", "Log-in refused while paused"
    LOGOUT = "logout", "Logged out"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    TWO_FACTOR_ENABLED = "two_factor_enabled", "Two-factor authentication enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled", "Two-factor authentication disabled"
    TWO_FACTOR_FAILED = "two_factor_failed", "Two-factor code refused"
    TWO_FACTOR_REQUIRED = "two_factor_required", "Two-factor authentication required by an admin"
    TWO_FACTOR_NOT_REQUIRED = "two_factor_not_required", "Two-factor requirement lifted by an admin"
    SSO_LOGIN = "sso_login", "Logged in through single sign-on"
    SSO_FAILED = "sso_failed", "Single sign-on refused"
    SSO_CONFIGURED = "sso_configured", "Single sign-on settings changed by an admin"


class SecurityEvent(TenantModel):
    kind = models.CharField(max_length=30, choices=SecurityEventKind.choices)
    # No constraint: the event outlives the account it names (the row is never changed).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    email = models.CharField("e-mail address", max_length=254)
    address = models.GenericIPAddressField("client address", null=True)
    user_agent = models.CharField("browser", max_length=300, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "security event"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["organization", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email}"
