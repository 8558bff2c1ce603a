"""Per-object grants (django-guardian) in tenant tables: the one ownership mechanism.

Each register declares one direct foreign-key grant table for its model:

    class AssetUserObjectPermission(TenantUserObjectPermission):
        content_object = models.ForeignKey(Asset, on_delete=models.CASCADE)

It is a TenantModel (organisation column, fail-closed manager, row-level security), so a
grant can never be read or written across organisations. isms.policy gives and takes the
owner's grants when ownership changes.
"""

from django.db import models
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase

from isms.tenancy import TenantModel, current_organization_id


class TenantObjectPermissionManager(UserObjectPermissionManager):
    """guardian's manager, filtered to the organisation in context like every tenant manager."""

    def get_queryset(self):
        return super().get_queryset().filter(organization_id=current_organization_id())


class TenantUserObjectPermission(TenantModel, UserObjectPermissionBase):
    objects = TenantObjectPermissionManager()
    unscoped = models.Manager()

    class Meta(UserObjectPermissionBase.Meta):
        abstract = True
        base_manager_name = "unscoped"
