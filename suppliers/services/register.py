"""The supplier register: suppliers, contacts, certifications and contract clauses."""

from __future__ import annotations

import calendar
import copy
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from isms import policy, uploads
from isms.access import Actor
from isms.errors import Conflict, Duplicate
from isms.members import validate_member
from isms.writes import model_update, unique_or_conflict
from suppliers.models import (
    ContractClause,
    Supplier,
    SupplierCertification,
    SupplierContact,
    SupplierContractClause,
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


_DUPLICATE_NAME = "A supplier with this name already exists (names are compared ignoring case)."
_UNIQUE = {"supplier_unique_name_ci": ("name", _DUPLICATE_NAME)}


def _check_name_free(supplier: Supplier) -> None:
    """The friendly check; the unique index (supplier_unique_name_ci) decides under races."""
    clash = Supplier.objects.filter(name__iexact=supplier.name.strip())
    if supplier.pk:
        clash = clash.exclude(pk=supplier.pk)
    if clash.exists():
        raise Duplicate(_DUPLICATE_NAME, field="name")


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
    policy.require(actor, "create", Supplier(organization=actor.organization))
    owner = validate_member(owner, "owner")
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
        supplier.full_clean(exclude=["organization"], validate_constraints=False)
        with unique_or_conflict(_UNIQUE):
            supplier.save()
        policy.policy_for(Supplier).grant_owner(supplier, owner)
        contract_clauses_ensure(supplier=supplier)
        # Organisations created before the starter set was installed on creation get it here
        # (idempotent: one query once it exists).
        starter_question_set_install(organization_id=supplier.organization_id)
    return supplier


@transaction.atomic
def supplier_update(*, actor: Actor, supplier: Supplier, **changes) -> Supplier:
    policy.require(actor, "change", supplier)
    unknown = set(changes) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValidationError({f: "This field cannot be changed here." for f in sorted(unknown)})
    data = dict(changes)
    previous_owner = supplier.owner
    if "owner" in data:
        if getattr(data["owner"], "pk", data["owner"]) == supplier.owner_id:
            data.pop("owner")
        else:
            data["owner"] = validate_member(data["owner"], "owner")
    for field in ("ai_services", "data_categories"):
        if field in data:
            data[field] = sorted(set(data[field]))
    if "name" in data:
        data["name"] = data["name"].strip()
        if data["name"].lower() != supplier.name.lower():
            clash = Supplier.objects.filter(name__iexact=data["name"]).exclude(pk=supplier.pk)
            if clash.exists():
                raise Duplicate(_DUPLICATE_NAME, field="name")
    with unique_or_conflict(_UNIQUE):
        changed = model_update(supplier, data=data, fields=SUPPLIER_FIELDS)
    if "owner" in changed:
        policy.policy_for(Supplier).grant_owner(supplier, supplier.owner, previous=previous_owner)
    return supplier


def supplier_delete(*, actor: Actor, supplier: Supplier) -> None:
    policy.require(actor, "delete", supplier)
    if supplier.assessments.exclude(status="draft").exists():
        raise Conflict(
            "This supplier has assessments on record; set its status to terminated instead."
        )
    supplier.delete()


# --- contacts -------------------------------------------------------------------------------


def contact_create(
    *, actor: Actor, supplier: Supplier, name: str, email: str = "", phone: str = "", role: str = ""
) -> SupplierContact:
    policy.require(actor, "change", supplier)
    contact = SupplierContact(supplier=supplier, name=name, email=email, phone=phone, role=role)
    _full_clean_and_save(contact)
    return contact


def contact_update(*, actor: Actor, contact: SupplierContact, **changes) -> SupplierContact:
    policy.require(actor, "change", contact)
    fields = ("name", "email", "phone", "role")
    model_update(contact, data={f: changes[f] for f in fields if f in changes}, fields=fields)
    return contact


def contact_delete(*, actor: Actor, contact: SupplierContact) -> None:
    policy.require(actor, "delete", contact)
    contact.delete()


# --- certifications -------------------------------------------------------------------------


# A SOC 2 Type II report is relied on for this long after the end of the period it examined.
SOC2_RELIANCE_MONTHS = 12
PERIOD_FIELDS = ("period_start", "period_end", "bridge_letter_until")


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def soc2_relied_on_until(period_end: date, bridge_letter_until: date | None) -> date:
    """Twelve months after the report period, or the bridge letter's date when later."""
    relied = _add_months(period_end, SOC2_RELIANCE_MONTHS)
    return max(relied, bridge_letter_until) if bridge_letter_until else relied


def _check_certification(cert: SupplierCertification, *, valid_until_given: bool) -> None:
    """Certificates carry a validity date; a SOC 2 Type II report carries its period (and a
    bridge letter), from which the date it is relied on until is derived."""
    if cert.type == SupplierCertification.Type.OTHER and not cert.other_name.strip():
        raise ValidationError({"other_name": "Name the certification when the type is Other."})
    if cert.is_attestation:
        if valid_until_given:
            raise ValidationError(
                {
                    "valid_until": "A SOC 2 Type II report attests a period and has no validity "
                    "date: give its report period end (and its bridge letter's date, if any)."
                }
            )
        if cert.period_end is None:
            raise ValidationError({"period_end": "Give the end of the period the report covers."})
        if cert.period_start and cert.period_start >= cert.period_end:
            raise ValidationError({"period_start": "The period must start before it ends."})
        if cert.bridge_letter_until and cert.bridge_letter_until <= cert.period_end:
            raise ValidationError(
                {"bridge_letter_until": "A bridge letter covers the time after the period end."}
            )
        cert.valid_until = soc2_relied_on_until(cert.period_end, cert.bridge_letter_until)
        return
    given = {f: getattr(cert, f) for f in PERIOD_FIELDS if getattr(cert, f)}
    if given:
        field = next(iter(given))
        raise ValidationError(
            {field: "Only a SOC 2 Type II report has a report period and a bridge letter."}
        )
    if cert.valid_until is None:
        raise ValidationError({"valid_until": "Give the date the certificate is valid until."})
    if cert.valid_from and cert.valid_until < cert.valid_from:
        raise ValidationError({"valid_until": "Valid until must be on or after valid from."})


def certification_create(
    *,
    actor: Actor,
    supplier: Supplier,
    type: str,
    valid_until: date | None = None,
    issuer: str = "",
    scope: str = "",
    valid_from: date | None = None,
    other_name: str = "",
    period_start: date | None = None,
    period_end: date | None = None,
    bridge_letter_until: date | None = None,
    file: UploadedFile | None = None,
) -> SupplierCertification:
    policy.require(actor, "change", supplier)
    cert = SupplierCertification(
        organization_id=supplier.organization_id,
        supplier=supplier,
        type=type,
        valid_until=valid_until,
        issuer=issuer,
        scope=scope,
        valid_from=valid_from,
        other_name=other_name,
        period_start=period_start,
        period_end=period_end,
        bridge_letter_until=bridge_letter_until,
    )
    _check_certification(cert, valid_until_given=valid_until is not None)
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
    policy.require(actor, "change", certification)
    fields = ("type", "valid_until", "issuer", "scope", "valid_from", "other_name", *PERIOD_FIELDS)
    data = {f: changes[f] for f in fields if f in changes}
    candidate = copy.copy(certification)
    for field, value in data.items():
        setattr(candidate, field, value)
    # For a SOC 2 report the stored date is derived: given again unchanged, it is not "given".
    given = data.get("valid_until") not in (None, certification.valid_until)
    _check_certification(candidate, valid_until_given=given)
    data["valid_until"] = candidate.valid_until
    if file is not None:
        data["file"] = uploads.check_upload(file, allowed=uploads.EVIDENCE).as_file()
    with transaction.atomic():
        model_update(certification, data=data, fields=(*fields, "file"))
    return certification


def certification_delete(*, actor: Actor, certification: SupplierCertification) -> None:
    policy.require(actor, "delete", certification)
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
    policy.require(actor, "change", clause)
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
    fields = ("status", "reference", "notification_hours", "note")
    values = (status, reference, notification_hours, note)
    with transaction.atomic():
        model_update(clause, data=dict(zip(fields, values, strict=True)), fields=fields)
    return clause
