"""One declaration of editable fields per register model (isms.fields.EditableFields) ties the
form, the API serializer's writable fields and the spreadsheet columns: none can drift."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ImproperlyConfigured

from assets import csvio
from assets.api.serializers import AssetSerializer
from assets.forms import AssetForm
from assets.models import ASSET_EDITABLE
from isms import tabular
from isms.fields import EditableFields
from policies.api.serializers import PolicySerializer
from policies.forms import PolicyForm
from policies.models import POLICY_EDITABLE
from risks.api.serializers import RiskSerializer
from risks.forms import RiskForm
from risks.models.register import RISK_EDITABLE
from risks.views.register import RISK_EXPORT_COLUMNS
from suppliers.api.serializers import SupplierSerializer
from suppliers.forms import SupplierForm
from suppliers.models import SUPPLIER_EDITABLE, Supplier
from suppliers.services import transfer

REGISTERS = {
    "asset": (
        ASSET_EDITABLE,
        AssetForm,
        AssetSerializer,
        csvio.EXPORT_COLUMNS,
        csvio.COLUMNS,
        csvio.NOT_IN_TABLE,
    ),
    "supplier": (
        SUPPLIER_EDITABLE,
        SupplierForm,
        SupplierSerializer,
        transfer.EXPORT_COLUMNS,
        transfer.COLUMNS,
        (),
    ),
    "risk": (RISK_EDITABLE, RiskForm, RiskSerializer, RISK_EXPORT_COLUMNS, None, ()),
    "policy": (POLICY_EDITABLE, PolicyForm, PolicySerializer, None, None, ()),
}


@pytest.mark.parametrize("register", sorted(REGISTERS))
def test_form_serializer_and_table_derive_from_one_declaration(register):
    declaration, form, serializer, export_columns, import_columns, left_out = REGISTERS[register]
    names = list(declaration.names)
    for name in names:  # every declared field is a real, editable model field
        assert declaration.model._meta.get_field(name).editable, name
    assert list(form.base_fields) == names
    writable = [n for n, f in serializer().fields.items() if not f.read_only]
    assert writable == names
    expected_table = declaration.table_columns(leave_out=left_out)
    if export_columns is not None:
        headers = tabular.headers(export_columns)
        assert [h for h in headers if h in expected_table] == expected_table
    if import_columns is not None:
        assert import_columns == expected_table


def test_a_new_field_needs_only_the_declaration():
    """A declared field the form does not define comes from the model field itself."""
    declaration = EditableFields(
        Supplier,
        (*SUPPLIER_EDITABLE.names, "last_assessed_on"),
        table_names=SUPPLIER_EDITABLE.table_names,
    )
    fields = declaration.form_fields(SupplierForm.base_fields)
    assert list(fields) == list(declaration.names)
    assert isinstance(fields["last_assessed_on"], forms.DateField)
    assert fields["name"] is SupplierForm.base_fields["name"]  # the form's own definition kept
    assert declaration.serializer_fields("rating")[-2:] == ["last_assessed_on", "rating"]
    headers = tabular.headers(tabular.declared_columns(declaration))
    assert headers[-1] == "last_assessed_on" and "owner_email" in headers


def test_a_form_field_outside_the_declaration_is_refused():
    with pytest.raises(ImproperlyConfigured, match="surprise"):
        SUPPLIER_EDITABLE.form_fields({**SupplierForm.base_fields, "surprise": forms.CharField()})
    with pytest.raises(ImproperlyConfigured, match="no_such_field"):
        EditableFields(Supplier, ("name", "no_such_field"))
