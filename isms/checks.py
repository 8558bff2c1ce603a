"""`manage.py check --database default` proves the app connects as a role RLS applies to."""

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def app_role_is_not_privileged(app_configs, databases=None, **kwargs):
    if not databases or "default" not in databases:
        return []
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT r.rolname, r.rolsuper, r.rolbypassrls,"
            " EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid"
            "         AND c.relnamespace = 'public'::regnamespace)"
            " FROM pg_roles r WHERE r.rolname = current_user"
        )
        name, superuser, bypass, owns = cursor.fetchone()
    if superuser or bypass or owns:
        return [
            Error(
                f"The application connects as {name!r}, which "
                + ("is a superuser" if superuser else "has BYPASSRLS" if bypass else "owns tables")
                + ": row-level security would not protect tenants.",
                hint="Set DATABASE_APP_USER to a plain role; migrations use DATABASE_URL.",
                id="isms.E001",
            )
        ]
    return []
