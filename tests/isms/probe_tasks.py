"""A task the real-worker tests load into the worker (`celery worker -I`): what can it see?"""

from django.db import connection

from isms.celery import TenantTask, app
from isms.tenancy import PG_ORGANIZATION, current_organization_id
from suppliers.models import Supplier


@app.task(base=TenantTask)
def tenant_probe(*, organization_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_setting(%s, true)", [PG_ORGANIZATION])
        user, setting = cursor.fetchone()
        cursor.execute("SELECT DISTINCT organization_id FROM suppliers_supplier")
        raw = sorted(row[0] for row in cursor.fetchall())
    return {
        "context": current_organization_id(),
        "database_user": user,
        "database_setting": setting,
        "orm": sorted(set(Supplier.objects.values_list("organization_id", flat=True))),
        "raw_sql_without_filter": raw,
    }
