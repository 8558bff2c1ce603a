"""The facts decisions read, built from the registers (through their selectors and models).

`settings_facts()`, `tool_facts(assets)` and `person_facts(memberships)` return plain
dictionaries keyed as the snapshot stores them. The snapshot calls them for a whole
organisation; the PostgreSQL fallback calls them narrowed to one tool and one person: one
code path, so Redis and PostgreSQL cannot disagree.

Tool keys: `id:<external_id>` (the asset's external id), `model:<provider>/<model>` (the
asset's model provider and model version, lower-case) and `domain:<host>` (an asset tag
`domain:<host>`). Person keys: `email:<address>` (lower-case) and `id:<username>`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from assets.models import AI_TYPES, Asset, Lifecycle
from assets.selectors import register
from isms.models import Membership
from monitoring.usage.models import UsageSettings
from policies.models import Acknowledgement
from policies.selectors import ai_acceptable_use_version
from risks.ai_act import Tier
from risks.models import AIChangeRequest, ImpactAssessment
from suppliers.models import Supplier, SupplierAssessment, SupplierCertification

DOMAIN_TAG = "domain:"
STAGE_RANK = {
    Lifecycle.PRODUCTION: 0,
    Lifecycle.PILOT: 1,
    Lifecycle.PROPOSED: 2,
    Lifecycle.RETIRED: 3,
}


# --- keys -----------------------------------------------------------------------------------


def tool_key(
    *, external_id: str = "", provider: str = "", model: str = "", domain: str = ""
) -> str:
    if external_id:
        return f"id:{external_id.strip()}"
    if provider and model:
        return f"model:{provider.strip().lower()}/{model.strip().lower()}"
    return f"domain:{domain.strip().lower().rstrip('.')}"


def person_key(*, email: str = "", external_id: str = "") -> str:
    return f"email:{email.strip().lower()}" if email else f"id:{external_id.strip()}"


def asset_keys(asset: dict) -> list[str]:
    keys = []
    if asset["external_id"]:
        keys.append(tool_key(external_id=asset["external_id"]))
    if asset["model_provider"] and asset["model_version"]:
        keys.append(tool_key(provider=asset["model_provider"], model=asset["model_version"]))
    keys += [
        tool_key(domain=tag.removeprefix(DOMAIN_TAG))
        for tag in asset["tags"]
        if tag.lower().startswith(DOMAIN_TAG) and len(tag) > len(DOMAIN_TAG)
    ]
    return keys


def assets_matching(key: str) -> QuerySet[Asset]:
    """The register's assets a tool key names (the fallback's narrow read)."""
    kind, _, value = key.partition(":")
    if kind == "id":
        return register().filter(external_id=value)
    if kind == "model":
        provider, _, model = value.partition("/")
        return register().filter(model_provider__iexact=provider, model_version__iexact=model)
    return register().filter(
        Q(tags__contains=[f"{DOMAIN_TAG}{value}"]) | Q(tags__contains=[f"Domain:{value}"])
    )


# --- settings -------------------------------------------------------------------------------


def usage_settings() -> UsageSettings:
    return UsageSettings.objects.filter().first() or UsageSettings()


def settings_facts() -> dict:
    found = usage_settings()
    version = ai_acceptable_use_version()
    return {
        "unknown_tool": found.unknown_tool,
        "policy_acknowledgement": found.policy_acknowledgement,
        "supplier_check": found.supplier_check,
        "restricted_categories": sorted(found.restricted_categories),
        "policy_published": version is not None,
        "policy_version": version.pk if version else None,
    }


# --- tools ----------------------------------------------------------------------------------

ASSET_FIELDS = (
    "pk",
    "name",
    "asset_type",
    "lifecycle",
    "external_id",
    "model_provider",
    "model_version",
    "tags",
    "data_categories",
    "supplier_id",
    "change_required_since",
    "provider_trains_on_our_data",
)


def tool_facts(assets: QuerySet[Asset]) -> dict[str, dict]:
    """{tool key: facts} for the assets (several assets under one key: the one furthest
    into service wins, so a retired duplicate never hides the production tool)."""
    rows = list(assets.values(*ASSET_FIELDS))
    # The same assets as a subquery, not a list: a snapshot of 10,000 assets bound 20,000
    # parameters one by one (over a second of Python per rebuild on the bench machine).
    ids = assets.values("pk")
    changes = _approved_changes(ids)
    assessments = _approved_assessments(ids)
    suppliers = _supplier_facts({row["supplier_id"] for row in rows if row["supplier_id"]})
    facts: dict[str, dict] = {}
    for row in rows:
        entry = _tool_entry(row, changes.get(row["pk"]), assessments.get(row["pk"]), suppliers)
        for key in asset_keys(row):
            held = facts.get(key)
            if held is None or STAGE_RANK.get(row["lifecycle"], 9) < STAGE_RANK.get(
                held["lifecycle"], 9
            ):
                facts[key] = entry
    return facts


def _approved_changes(asset_ids) -> dict[int, dict]:
    """The latest approved AI change request of each asset, with every category any approved
    request named (the explicit approvals)."""
    latest: dict[int, dict] = {}
    rows = (
        AIChangeRequest.objects.filter(
            asset_id__in=asset_ids, status=AIChangeRequest.Status.APPROVED
        )
        .order_by("asset_id", "-decided_at", "-pk")
        .values(
            "asset_id",
            "data_categories",
            "target_lifecycle",
            "oversight_person_id",
            "instructions_for_use",
            "fria_reference",
            "requested_by__email",
            "approver__email",
            "oversight_person__email",
            "requested_by__username",
            "approver__username",
            "oversight_person__username",
        )
    )
    for row in rows:
        entry = latest.setdefault(row["asset_id"], {**row, "explicit": set()})
        entry["explicit"].update(row["data_categories"])
    return latest


def _approved_assessments(asset_ids) -> dict[int, dict]:
    rows = ImpactAssessment.objects.filter(
        asset_id__in=asset_ids, status=ImpactAssessment.Status.APPROVED
    ).values("asset_id", "fria_required", "obligations", "risk_tier")
    return {row["asset_id"]: row for row in rows}


def _supplier_facts(supplier_ids: set[int]) -> dict[int, dict]:
    if not supplier_ids:
        return {}
    approved = set(
        SupplierAssessment.objects.filter(
            supplier_id__in=supplier_ids, status=SupplierAssessment.Status.APPROVED
        ).values_list("supplier_id", flat=True)
    )
    certificates: dict[int, list] = {}
    for cert in SupplierCertification.objects.filter(supplier_id__in=supplier_ids).order_by(
        "valid_until", "pk"
    ):
        certificates.setdefault(cert.supplier_id, []).append(
            [cert.display_name, cert.valid_until.isoformat()]
        )
    return {
        s["pk"]: {
            "name": s["name"],
            "approved": s["pk"] in approved,
            "reassess_by": s["next_reassessment_date"].isoformat()
            if s["next_reassessment_date"]
            else None,
            "certificates": certificates.get(s["pk"], []),
        }
        for s in Supplier.objects.filter(pk__in=supplier_ids).values(
            "pk", "name", "next_reassessment_date"
        )
    }


def _people_named(change: dict) -> list[str]:
    people = set()
    for role in ("requested_by", "approver", "oversight_person"):
        if change[f"{role}__email"]:
            people.add(person_key(email=change[f"{role}__email"]))
        if change[f"{role}__username"]:
            people.add(person_key(external_id=change[f"{role}__username"]))
    return sorted(people)


def _high_risk_unmet(change: dict | None, assessment: dict) -> list[str]:
    """The deployer's gate evidence a high-risk system needs (as the change gate checks)."""
    if assessment["risk_tier"] != Tier.HIGH:
        return []
    if change is None:
        return ["no approved AI change request records the deployer's evidence"]
    missing = []
    if not change["oversight_person_id"]:
        missing.append("no named human oversight (Art. 26)")
    if not change["instructions_for_use"].strip():
        missing.append("the provider's instructions for use are not on file (Art. 26)")
    if assessment["fria_required"] and not change["fria_reference"].strip():
        missing.append("no fundamental-rights impact assessment (Art. 27)")
    return missing


def _tool_entry(row: dict, change: dict | None, assessment: dict | None, suppliers) -> dict:
    return {
        "asset": row["pk"],
        "name": row["name"],
        "external_id": row["external_id"],
        "lifecycle": row["lifecycle"],
        "ai": row["asset_type"] in AI_TYPES,
        "suspended": row["change_required_since"] is not None,
        "approved_change": change is not None,
        "pilot_people": _people_named(change) if change else [],
        "categories": sorted(row["data_categories"]),
        "explicit": sorted(change["explicit"]) if change else [],
        "supplier": suppliers.get(row["supplier_id"]),
        # The classification decides (an Art. 5 exception ticked does not prohibit).
        "prohibited": bool(assessment and assessment["risk_tier"] == Tier.PROHIBITED),
        "high_risk_unmet": _high_risk_unmet(change, assessment) if assessment else [],
        "obligations": list(assessment["obligations"]) if assessment else [],
        "provider_trains": row["provider_trains_on_our_data"] == "yes",
    }


# --- people ---------------------------------------------------------------------------------


def person_facts(memberships: QuerySet[Membership], policy_version: int | None) -> dict[str, dict]:
    rows = list(memberships.values("user_id", "user__email", "user__username", "expires_at"))
    acknowledged = (
        set(
            Acknowledgement.objects.filter(
                version_id=policy_version, user_id__in=[r["user_id"] for r in rows]
            ).values_list("user_id", flat=True)
        )
        if policy_version and rows
        else set()
    )
    facts = {}
    for row in rows:
        entry = {
            "expires_at": row["expires_at"].isoformat() if row["expires_at"] else None,
            "acknowledged": row["user_id"] in acknowledged,
        }
        if row["user__email"]:
            facts[person_key(email=row["user__email"])] = entry
        if row["user__username"]:
            facts[person_key(external_id=row["user__username"])] = entry
    return facts


def members_of(organization_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(organization_id=organization_id)


def member_matching(organization_id: int, key: str) -> QuerySet[Membership]:
    kind, _, value = key.partition(":")
    found = members_of(organization_id)
    if kind == "email":
        return found.filter(user__email__iexact=value)
    return found.filter(user__username=value)
