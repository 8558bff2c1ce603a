"""Idempotency records: the first answer to a POST sent with an `Idempotency-Key`, kept per
organisation and key until it expires, so that a client retrying the same request gets the
same answer and the server creates nothing twice (isms.idempotency does the replay).

A record is written in the same transaction as what the request changed: a request whose
transaction rolled back (any refusal, any error) leaves no record, and its retry runs again.
The key is unique per organisation (one organisation's key never finds another's record, and
row-level security keeps it so in the database as well).
"""

from __future__ import annotations

from django.db import models

from isms.tenancy import TenantModel


class IdempotencyRecord(TenantModel):
    key = models.CharField("idempotency key", max_length=255)
    # The request it answered: method, path and a hash of the body; another request sent with
    # the same key is refused (422), never answered with this one's response.
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "idempotency record"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="isms_idempotency_key_per_organization"
            )
        ]
        indexes = [models.Index(fields=["organization", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
