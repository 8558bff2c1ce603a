"""The workflow primitive (isms.workflow): transition tables, lock-and-recheck, records.

Generic walk: every transition table declared anywhere refuses every transition from a
state it does not list. Race: the same transition fired by 8 connections at once succeeds
once, leaves one record, and the rest are refused with `invalid_transition` (never a 500).
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from isms.errors import ErrorCode, TransitionRefused
from isms.models import Role, TransitionRecord
from isms.tenancy import tenant_context
from isms.workflow import Transition, Workflow, transition, workflows
from suppliers.models import Supplier
from tests.concurrency import run_together
from tests.factories import MembershipFactory
from tests.suppliers.factories import SupplierFactory

TEST_WORKFLOW = Workflow(
    Supplier,
    state_field="status",
    label="test: supplier lifecycle",
    transitions=[
        Transition("activate", {Supplier.Status.PROSPECTIVE}, Supplier.Status.ACTIVE, "activated"),
        Transition("offboard", {Supplier.Status.ACTIVE}, Supplier.Status.OFFBOARDING, "offboarded"),
    ],
)


def _declare_all_workflows() -> None:
    """Import every app's services so their module-level workflows are declared."""
    for config in apps.get_app_configs():
        for module in ("services", "workflows"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError as error:
                if error.name not in {f"{config.name}.{module}", config.name}:
                    raise


def _walk_cases():
    _declare_all_workflows()
    for flow in workflows():
        for move in flow.transitions:
            for state in flow.states:
                yield pytest.param(flow, move, state, id=f"{flow.label}:{move.name}:{state}")


@pytest.mark.parametrize(("flow", "move", "state"), list(_walk_cases()))
def test_every_transition_is_refused_from_every_state_it_does_not_list(flow, move, state):
    obj = flow.model(**{flow.state_field: state})
    refusal = flow.refusal(obj, move.name)
    if state in move.sources:
        assert refusal is None
    else:
        assert refusal, f"{flow.label}.{move.name} must be refused from {state}"
        assert move.verb in refusal


def test_transition_tables_name_only_real_states():
    _declare_all_workflows()
    for flow in workflows():
        states = set(flow.states)
        for move in flow.transitions:
            assert move.sources <= states, (flow.label, move.name)
            assert move.target in states, (flow.label, move.name)


def test_transition_moves_records_and_refuses_a_second_time(org_a):
    with tenant_context(org_a.pk):
        supplier = SupplierFactory(owner=_owner(org_a), status=Supplier.Status.PROSPECTIVE)
        moved = transition(TEST_WORKFLOW, supplier, "activate", actor=None, reason="signed")
        assert moved.status == Supplier.Status.ACTIVE
        record = TransitionRecord.objects.get(object_id=str(supplier.pk))
        assert (record.from_state, record.to_state, record.reason) == (
            "prospective",
            "active",
            "signed",
        )
        assert record.actor_label == "system"
        # The stale in-memory object still says "prospective": the re-read under the lock wins.
        with pytest.raises(TransitionRefused) as refused:
            transition(TEST_WORKFLOW, supplier, "activate", actor=None)
        assert refused.value.code == ErrorCode.INVALID_TRANSITION
        assert refused.value.status_code == 409
        assert TransitionRecord.objects.filter(object_id=str(supplier.pk)).count() == 1


def test_transition_writes_only_the_fields_it_changes(org_a):
    """A concurrent edit of another field (here: a raw UPDATE after our read) survives."""
    with tenant_context(org_a.pk):
        supplier = SupplierFactory(
            owner=_owner(org_a), status=Supplier.Status.PROSPECTIVE, provides="old"
        )
        Supplier.objects.filter(pk=supplier.pk).update(provides="edited meanwhile")
        transition(TEST_WORKFLOW, supplier, "activate", actor=None)
        supplier.refresh_from_db()
        assert supplier.provides == "edited meanwhile"
        assert supplier.status == Supplier.Status.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_transitions_one_success_one_record():
    from tests.factories import OrganizationFactory

    org = OrganizationFactory()
    with tenant_context(org.pk):
        supplier = SupplierFactory(owner=_owner(org), status=Supplier.Status.PROSPECTIVE)

    def activate():
        with tenant_context(org.pk):
            return transition(TEST_WORKFLOW, Supplier(pk=supplier.pk), "activate", actor=None)

    for _ in range(5):
        with tenant_context(org.pk):
            Supplier.objects.filter(pk=supplier.pk).update(status=Supplier.Status.PROSPECTIVE)
        outcomes = run_together([activate] * 8)
        assert sum(o.ok for o in outcomes) == 1
        refused = [o.error for o in outcomes if not o.ok]
        assert all(isinstance(e, TransitionRefused) for e in refused), refused
    with tenant_context(org.pk):
        assert TransitionRecord.objects.filter(object_id=str(supplier.pk)).count() == 5


def _owner(organization):
    return MembershipFactory(organization=organization, role=Role.OFFICER).user
