"""What every organisation has from the start, so that reads never write (issue 10).

- `organization_starter_rows()` — an organisation's risk criteria (defaults) and, per framework
  of the control library, its Statement of Applicability with one row per control. Runs on
  `isms.signals.organization_created`, inside the new organisation's tenant context.
- `soa_rows_for_new_controls()` — when the control library grows
  (`isms.signals.control_library_loaded`), every organisation's SoA gets rows for the new
  controls, each organisation in its own tenant context (row-level security).

Both are idempotent (`get_or_create`, `ON CONFLICT DO NOTHING`): running them twice changes
nothing, and a sweep or a repeated signal is harmless.
"""

from __future__ import annotations

from django.db import transaction

from isms.models import Control, Framework, Organization
from isms.tenancy import current_organization_id, tenant_context
from risks.models import RiskCriteria, SoARow, StatementOfApplicability


def _soa_rows(organization_id: int) -> int:
    """Create the missing SoAs and SoA rows of the organisation in context; returns rows added."""
    added = 0
    controls: dict[int, list[int]] = {}
    for framework_id, control_id in Control.objects.values_list("framework_id", "pk"):
        controls.setdefault(framework_id, []).append(control_id)
    statements = {s.framework_id: s for s in StatementOfApplicability.objects.all()}
    have: dict[int, set[int]] = {}
    for soa_id, control_id in SoARow.objects.values_list("soa_id", "control_id"):
        have.setdefault(soa_id, set()).add(control_id)
    for framework in Framework.objects.all():
        soa = statements.get(framework.pk)
        if soa is None:
            soa, _ = StatementOfApplicability.objects.get_or_create(
                organization_id=organization_id, framework=framework
            )
        missing = sorted(set(controls.get(framework.pk, ())) - have.get(soa.pk, set()))
        if missing:
            created = SoARow.objects.bulk_create(
                [SoARow(organization_id=organization_id, soa=soa, control_id=pk) for pk in missing],
                ignore_conflicts=True,
            )
            added += len(created)
    return added


@transaction.atomic
def organization_starter_rows(*, organization: Organization) -> None:
    """Risk criteria and SoA rows of a new organisation (its tenant context is current)."""
    assert current_organization_id() == organization.pk
    RiskCriteria.objects.get_or_create(organization_id=organization.pk)
    _soa_rows(organization.pk)


def soa_rows_for_new_controls() -> int:
    """Give every organisation's SoA rows for controls it does not have yet."""
    added = 0
    for organization_id in Organization.objects.values_list("pk", flat=True):
        with tenant_context(organization_id, actor="system"):
            added += _soa_rows(organization_id)
    return added


def _on_organization_created(sender, organization, **kwargs) -> None:
    organization_starter_rows(organization=organization)


def _on_control_library_loaded(sender, created: int = 0, **kwargs) -> None:
    soa_rows_for_new_controls()


def connect() -> None:
    from isms.signals import control_library_loaded, organization_created

    organization_created.connect(
        _on_organization_created, dispatch_uid="risks.organization_starter_rows"
    )
    control_library_loaded.connect(
        _on_control_library_loaded, dispatch_uid="risks.soa_rows_for_new_controls"
    )
