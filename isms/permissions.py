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

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, get_users_with_perms, remove_perm
from guardian.utils import get_user_obj_perms_model


def _codename(obj_or_qs, permission: str) -> str:
    model = obj_or_qs.model if isinstance(obj_or_qs, QuerySet) else type(obj_or_qs)
    return permission if "." in permission else f"{model._meta.app_label}.{permission}"


def grant(user, permission: str, obj: Model) -> None:
    """Give `user` the object permission (e.g. "change_asset" or "policies.approve_version")."""
    assign_perm(_codename(obj, permission), user, obj)


def revoke(user, permission: str, obj: Model) -> None:
    remove_perm(_codename(obj, permission), user, obj)


def _permissions(obj: Model, names: Iterable[str]) -> list[Permission]:
    """The Permission rows of these names on obj's model, in one query; an unknown name is
    an error, as guardian's assign_perm makes it."""
    codenames = {_codename(obj, name).split(".", 1)[1] for name in names}
    found = list(
        Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), codename__in=codenames
        )
    )
    missing = codenames - {p.codename for p in found}
    if missing:
        raise Permission.DoesNotExist(f"no permission {sorted(missing)} on {type(obj).__name__}")
    return found


def grant_all(user, names: Iterable[str], obj: Model) -> None:
    """Give `user` every one of these object permissions on `obj`: one query for the
    permissions, one INSERT for the grants (one already held stays as it is). What an
    owner gets on every create: grant() costs five statements a permission."""
    from isms.tenancy import current_organization_id

    grants = get_user_obj_perms_model(obj)
    if grants.objects.is_generic():  # a model without its own grant table
        for name in names:
            grant(user, name, obj)
        return
    grants.objects.bulk_create(
        [
            grants(
                user=user,
                permission=permission,
                content_object=obj,
                organization_id=current_organization_id(),
            )
            for permission in _permissions(obj, names)
        ],
        ignore_conflicts=True,
    )


def revoke_all(user, names: Iterable[str], obj: Model) -> None:
    """Take these object permissions on `obj` from `user`, in one DELETE."""
    grants = get_user_obj_perms_model(obj)
    if grants.objects.is_generic():
        for name in names:
            revoke(user, name, obj)
        return
    grants.objects.filter(
        user=user,
        content_object=obj,
        permission__in=_permissions(obj, names),
    ).delete()


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
