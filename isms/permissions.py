"""Per-object grants (django-guardian), in one helper the feature apps use.

Roles give scopes for a whole organisation; some rules are finer: a contributor edits the
assets they own, a named reviewer may approve one policy version. Those are guardian object
permissions stored in direct foreign-key tables, one per model, declared in the model's
app:

    class AssetUserObjectPermission(UserObjectPermissionBase):
        content_object = models.ForeignKey(Asset, on_delete=models.CASCADE)

Always narrow by tenant first (pass a tenant queryset), then by grant.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, get_users_with_perms, remove_perm


def _codename(obj_or_qs, permission: str) -> str:
    model = obj_or_qs.model if isinstance(obj_or_qs, QuerySet) else type(obj_or_qs)
    return permission if "." in permission else f"{model._meta.app_label}.{permission}"


def grant(user, permission: str, obj: Model) -> None:
    """Give `user` the object permission (e.g. "change_asset" or "policies.approve_version")."""
    assign_perm(_codename(obj, permission), user, obj)


def revoke(user, permission: str, obj: Model) -> None:
    remove_perm(_codename(obj, permission), user, obj)


def has_object_permission(user, permission: str, obj: Model) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_perm(_codename(obj, permission), obj)


def objects_granted(user, permission: str, queryset: QuerySet) -> QuerySet:
    """The rows of an (already tenant-filtered) queryset on which `user` holds the grant."""
    return get_objects_for_user(
        user, _codename(queryset, permission), klass=queryset, accept_global_perms=False
    )


def users_granted(permission: str, obj: Model):
    return [
        u
        for u, perms in get_users_with_perms(obj, attach_perms=True, with_group_users=False).items()
        if permission.split(".")[-1] in perms
    ]
