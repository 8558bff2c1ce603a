"""Any committed change of a decision's input invalidates its organisation's snapshot.

The inputs: assets, AI change requests and impact assessments, suppliers with their
assessments and certificates, policies with their versions and acknowledgements,
memberships and the usage settings (a user's changed e-mail waits for the expiry). Saves and
deletes send Django's signals; the invalidation runs in `transaction.on_commit`, so a
rolled-back change invalidates nothing and a decision never sees a change before it is
committed. Writes that bypass signals (a queryset `update()`) are covered by the snapshot's
expiry (monitoring.usage.snapshot.SNAPSHOT_TTL).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _models() -> list:
    from assets.models import Asset
    from isms.models import Membership
    from monitoring.usage.models import UsageSettings
    from policies.models import Acknowledgement, Policy, PolicyVersion
    from risks.models import AIChangeRequest, ImpactAssessment
    from suppliers.models import Supplier, SupplierAssessment, SupplierCertification

    return [
        Asset,
        AIChangeRequest,
        ImpactAssessment,
        Supplier,
        SupplierAssessment,
        SupplierCertification,
        Policy,
        PolicyVersion,
        Acknowledgement,
        Membership,
        UsageSettings,
    ]


def schedule(organization_id: int) -> None:
    from monitoring.usage.snapshot import invalidate

    transaction.on_commit(lambda: invalidate(organization_id))


def _changed(sender, instance, **kwargs) -> None:
    organization_id = getattr(instance, "organization_id", None)
    if organization_id is not None:
        schedule(organization_id)


def connect() -> None:
    for model in _models():
        uid = f"monitoring.usage.invalidate.{model._meta.label}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + ".save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + ".delete", weak=False)
