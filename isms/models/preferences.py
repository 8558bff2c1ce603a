"""A member's choice of the columns a large register shows (issue 17).

Kept per user and register, not per organisation: the columns are a person's way of reading
a register, the same in every organisation they belong to, and they carry no organisation
data (only column keys that isms.list_columns declares), so the table is not a tenant table.
Stored in the database rather than the session so that the choice follows the person to
another browser or device.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ListColumns(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_columns"
    )
    register = models.CharField(max_length=40)
    columns = models.JSONField(default=list)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "list columns"
        verbose_name_plural = "list columns"
        constraints = [
            models.UniqueConstraint(fields=["user", "register"], name="isms_list_columns_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.register}: {', '.join(self.columns)}"
