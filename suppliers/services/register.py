"""The supplier register: suppliers, contacts, certifications and contract clauses."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from isms import uploads
from isms.access import Actor
from suppliers.models import (
    ContractClause,
    Supplier,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
)
from suppliers.services.common import (
    require_change,
    require_scope,
    validate_active_member,
)
from suppliers.services.question_sets import starter_question_set_install

SUPPLIER_FIELDS = (
    "name",
    "website",
    "provides",
    "ai_services",
    "criticality",
    "status",
    "owner",
    "data_categories",
    "next_reassessment_date",
)


def _check_name_free(supplier: Supplier) -> None:
    clash = Supplier.objects.filter(name__iexact=supplier.name.strip())
    if supplier.pk:
        clash = clash.exclude(pk=supplier.pk)
    if clash.exists():
        raise ValidationError({"name": f"A supplier named '{supplier.name}' already exists."})


def _full_clean_and_save(obj, exclude=()) -> None:
    obj.full_clean(exclude=["organization", *exclude], validate_constraints=False)
    obj.save()


def supplier_create(
    *,
    actor: Actor,
    name: str,
    owner,
    website: str = "",
    provides: str = "",
    ai_services: list[str] | tuple = (),
    criticality: str = Supplier.Criticality.MEDIUM,
    status: str = Supplier.Status.PROSPECTIVE,
    data_categories: list[str] | tuple = (),
    next_reassessment_date: date | None = None,
) -> Supplier:
    require_scope(actor, "suppliers:write")
    validate_active_member(actor.organization.pk, owner)
    supplier = Supplier(
        organization=actor.organization,
        name=name.strip(),
        owner=owner,
        website=website,
        provides=provides,
        ai_services=sorted(set(ai_services)),
        criticality=criticality,
        status=status,
        data_categories=sorted(set(data_categories)),
        next_reassessment_date=next_reassessment_date,
    )
    with transaction.atomic():
        _check_name_free(supplier)
        _full_clean_and_save(supplier)
        contract_clauses_ensure(supplier=supplier)
        # The starter questionnaire is there before anyone needs it (idempotent, one query).
        starter_question_set_install(organization_id=supplier.organization_id)
    return supplier


def supplier_update(*, actor: Actor, supplier: Supplier, **changes) -> Supplier:
    require_change(actor, supplier)
    unknown = set(changes) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be changed here." for f in sorted(unknown)})
    if "owner" in changes and changes["owner"] != supplier.owner:
        validate_active_member(actor.organization.pk, changes["owner"])
    for field, value in changes.items():
        if field in {"ai_services", "data_categories"}:
            value = sorted(set(value))
        if field == "name":
            value = value.strip()
        setattr(supplier, field, value)
    with transaction.atomic():
        if "name" in changes:
            _check_name_free(supplier)
        _full_clean_and_save(supplier)
    return supplier


def supplier_delete(*, actor: Actor, supplier: Supplier) -> None:
    require_change(actor, supplier)
    if supplier.assessments.exclude(status="draft").exists():
        from isms.errors import Conflict

        raise Conflict(
            "This supplier has assessments on record; set its status to terminated instead."
        )
    supplier.delete()


# --- contacts -------------------------------------------------------------------------------


def contact_create(
    *, actor: Actor, supplier: Supplier, name: str, email: str = "", phone: str = "", role: str = ""
) -> SupplierContact:
    require_change(actor, supplier)
    contact = SupplierContact(supplier=supplier, name=name, email=email, phone=phone, role=role)
    _full_clean_and_save(contact)
    return contact


def contact_update(*, actor: Actor, contact: SupplierContact, **changes) -> SupplierContact:
    require_change(actor, contact.supplier)
    for field in ("name", "email", "phone", "role"):
        if field in changes:
            setattr(contact, field, changes[field])
    _full_clean_and_save(contact)
    return contact


def contact_delete(*, actor: Actor, contact: SupplierContact) -> None:
    require_change(actor, contact.supplier)
    contact.delete()


# --- certifications -------------------------------------------------------------------------


def _check_certification(cert: SupplierCertification) -> None:
    if cert.valid_from and cert.valid_until and cert.valid_until < cert.valid_from:
        raise ValidationError({"valid_until": "Valid until must be on or after valid from."})
    if cert.type == SupplierCertification.Type.OTHER and not cert.other_name.strip():
        raise ValidationError({"other_name": "Name the certification when the type is Other."})


def certification_create(
    *,
    actor: Actor,
    supplier: Supplier,
    type: str,
    valid_until: date,
    issuer: str = "",
    scope: str = "",
    valid_from: date | None = None,
    other_name: str = "",
    file: UploadedFile | None = None,
) -> SupplierCertification:
    require_change(actor, supplier)
    cert = SupplierCertification(
        organization_id=supplier.organization_id,
        supplier=supplier,
        type=type,
        valid_until=valid_until,
        issuer=issuer,
        scope=scope,
        valid_from=valid_from,
        other_name=other_name,
    )
    _check_certification(cert)
    if file is not None:
        cert.file = uploads.check_upload(file, allowed=uploads.EVIDENCE).as_file()
    _full_clean_and_save(cert, exclude=["file"])
    return cert


def certification_update(
    *,
    actor: Actor,
    certification: SupplierCertification,
    file: UploadedFile | None = None,
    **changes,
) -> SupplierCertification:
    require_change(actor, certification.supplier)
    for field in ("type", "valid_until", "issuer", "scope", "valid_from", "other_name"):
        if field in changes:
            setattr(certification, field, changes[field])
    _check_certification(certification)
    if file is not None:
        certification.file = uploads.check_upload(file, allowed=uploads.EVIDENCE).as_file()
    _full_clean_and_save(certification, exclude=["file"])
    return certification


def certification_delete(*, actor: Actor, certification: SupplierCertification) -> None:
    require_change(actor, certification.supplier)
    certification.delete()


# --- contract clauses -----------------------------------------------------------------------


def contract_clauses_ensure(*, supplier: Supplier) -> list[SupplierContractClause]:
    """The supplier's checklist has one row per clause (missing until someone says otherwise)."""
    existing = set(supplier.contract_clauses.values_list("clause", flat=True))
    SupplierContractClause.objects.bulk_create(
        [
            SupplierContractClause(
                organization_id=supplier.organization_id, supplier=supplier, clause=clause
            )
            for clause in ContractClause.values
            if clause not in existing
        ]
    )
    return list(supplier.contract_clauses.all())


def contract_clause_update(
    *,
    actor: Actor,
    clause: SupplierContractClause,
    status: str,
    reference: str = "",
    notification_hours: int | None = None,
    note: str = "",
) -> SupplierContractClause:
    require_change(actor, clause.supplier)
    clause.status = status
    clause.reference = reference
    clause.notification_hours = notification_hours
    clause.note = note
    if status == SupplierContractClause.Status.PRESENT and not reference.strip():
        raise ValidationError(
            {"reference": "Say where in the contract the clause is (e.g. 'DPA §4')."}
        )
    if (
        clause.clause == ContractClause.BREACH_NOTIFICATION
        and status == SupplierContractClause.Status.PRESENT
        and not notification_hours
    ):
        raise ValidationError(
            {"notification_hours": "State the number of hours the contract allows."}
        )
    _full_clean_and_save(clause)
    return clause
