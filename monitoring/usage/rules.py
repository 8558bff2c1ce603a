"""The decision rules: pure functions of a tool entry, a person entry and the settings.

The entries are the compact facts the snapshot holds (monitoring.usage.facts builds them,
from Redis or from PostgreSQL: the same dictionaries either way, so both paths give the same
answer). Dates are compared here, at decision time, so a snapshot never goes stale at
midnight. Each rule has a name; each refusal or warning a stable code and a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from isms.choices import DataCategory
from monitoring.usage.models import Enforcement, Outcome, SupplierEnforcement

TOOL_KNOWN = "tool_known"
TOOL_IN_SERVICE = "tool_in_service"
CHANGE_REQUEST_APPROVED = "change_request_approved"
DATA_CATEGORIES_APPROVED = "data_categories_approved"
PERSON_ACTIVE_MEMBER = "person_active_member"
POLICY_ACKNOWLEDGED = "policy_acknowledged"
SUPPLIER_CURRENT = "supplier_current"
AI_ACT_OBLIGATIONS = "ai_act_obligations"

RULES = (
    TOOL_KNOWN,
    TOOL_IN_SERVICE,
    CHANGE_REQUEST_APPROVED,
    DATA_CATEGORIES_APPROVED,
    PERSON_ACTIVE_MEMBER,
    POLICY_ACKNOWLEDGED,
    SUPPLIER_CURRENT,
    AI_ACT_OBLIGATIONS,
)

DENY, WARN = "deny", "warn"
ACKNOWLEDGE_OBLIGATION = "Read and acknowledge the AI acceptable use policy."
TRAINING_OBLIGATION = (
    "Do not send personal data or confidential business data: the provider may train its "
    "models on what it receives."
)


@dataclass(frozen=True)
class Reason:
    rule: str
    code: str
    effect: str  # "deny" or "warn"
    message: str

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "code": self.code,
            "effect": self.effect,
            "message": self.message,
        }


@dataclass
class Decision:
    outcome: str
    tool_key: str
    reasons: list[Reason] = field(default_factory=list)
    obligations: list[str] = field(default_factory=list)
    asset: dict | None = None

    @property
    def denied(self) -> bool:
        return self.outcome == Outcome.DENY

    def as_dict(self) -> dict:
        return {
            "decision": self.outcome,
            "tool_key": self.tool_key,
            "asset": self.asset,
            "reasons": [r.as_dict() for r in self.reasons],
            "obligations": self.obligations,
        }


def decide(
    *,
    tool_key: str,
    tool: dict | None,
    person_key: str,
    person: dict | None,
    categories: list[str],
    settings: dict,
    now: datetime,
) -> Decision:
    if tool is None:
        return _unknown_tool(tool_key, settings)
    today = now.date()
    reasons: list[Reason] = []
    reasons += _tool_in_service(tool, person_key)
    reasons += _change_request_approved(tool)
    reasons += _data_categories_approved(tool, categories, settings)
    reasons += _person(person, now, settings)
    reasons += _supplier_current(tool.get("supplier"), settings, today)
    reasons += _ai_act(tool)
    obligations = list(tool.get("obligations", []))
    if tool.get("provider_trains") and TRAINING_OBLIGATION not in obligations:
        obligations.append(TRAINING_OBLIGATION)
    if any(r.code in {"policy_not_acknowledged", "no_policy_published"} for r in reasons):
        obligations.append(ACKNOWLEDGE_OBLIGATION)
    if any(r.effect == DENY for r in reasons):
        outcome = Outcome.DENY
    elif obligations or reasons:
        outcome = Outcome.ALLOW_WITH_OBLIGATIONS
    else:
        outcome = Outcome.ALLOW
    return Decision(
        outcome=str(outcome),
        tool_key=tool_key,
        reasons=reasons,
        obligations=obligations if outcome != Outcome.DENY else [],
        asset={"id": tool["asset"], "name": tool["name"], "external_id": tool["external_id"]},
    )


def _unknown_tool(tool_key: str, settings: dict) -> Decision:
    warn = settings["unknown_tool"] == Enforcement.WARN
    reason = Reason(
        TOOL_KNOWN,
        "unknown_tool",
        WARN if warn else DENY,
        "This tool is not in the asset register: it has been reported as shadow AI for "
        "triage." + (" Use it with care until it is assessed." if warn else ""),
    )
    return Decision(
        outcome=str(Outcome.ALLOW_WITH_OBLIGATIONS if warn else Outcome.DENY),
        tool_key=tool_key,
        reasons=[reason],
        obligations=["Send no personal, confidential or customer data to it."] if warn else [],
    )


def _tool_in_service(tool: dict, person_key: str) -> list[Reason]:
    name, stage = tool["name"], tool["lifecycle"]
    if stage == "retired":
        return [Reason(TOOL_IN_SERVICE, "tool_retired", DENY, f"{name} is retired.")]
    if tool.get("suspended"):
        return [
            Reason(
                TOOL_IN_SERVICE,
                "tool_suspended",
                DENY,
                f"{name} is suspended: it changed materially and awaits a new approved AI "
                "change request.",
            )
        ]
    if stage == "pilot":
        if person_key in tool.get("pilot_people", []):
            return []
        return [
            Reason(
                TOOL_IN_SERVICE,
                "pilot_not_named",
                DENY,
                f"{name} is in pilot: only the people named on its change request may use it.",
            )
        ]
    if stage != "production":
        return [
            Reason(
                TOOL_IN_SERVICE,
                "tool_not_in_service",
                DENY,
                f"{name} is {stage}, not in production.",
            )
        ]
    return []


def _change_request_approved(tool: dict) -> list[Reason]:
    if not tool.get("ai") or tool.get("approved_change"):
        return []
    return [
        Reason(
            CHANGE_REQUEST_APPROVED,
            "change_request_missing",
            DENY,
            f"{tool['name']} has no approved AI change request.",
        )
    ]


def _data_categories_approved(tool: dict, categories: list[str], settings: dict) -> list[Reason]:
    reasons = []
    allowed, explicit = set(tool.get("categories", [])), set(tool.get("explicit", []))
    restricted = set(settings.get("restricted_categories", []))
    for category in categories:
        if category in restricted:
            if category not in explicit:
                reasons.append(
                    Reason(
                        DATA_CATEGORIES_APPROVED,
                        "restricted_category_not_approved",
                        DENY,
                        f"'{category_name(category)}' is restricted: an approved AI change "
                        f"request of {tool['name']} must name it.",
                    )
                )
        elif category not in allowed and category not in explicit:
            reasons.append(
                Reason(
                    DATA_CATEGORIES_APPROVED,
                    "category_not_approved",
                    DENY,
                    f"{tool['name']} is not approved for '{category_name(category)}'.",
                )
            )
    return reasons


def _person(person: dict | None, now: datetime, settings: dict) -> list[Reason]:
    if person is None:
        return [
            Reason(
                PERSON_ACTIVE_MEMBER,
                "person_not_member",
                DENY,
                "The person is not a member of this organisation.",
            )
        ]
    expires = person.get("expires_at")
    if expires and datetime.fromisoformat(expires) <= now:
        return [
            Reason(
                PERSON_ACTIVE_MEMBER,
                "membership_expired",
                DENY,
                "The person's membership has expired.",
            )
        ]
    effect = DENY if settings["policy_acknowledgement"] == Enforcement.DENY else WARN
    if not settings.get("policy_published"):
        return [
            Reason(
                POLICY_ACKNOWLEDGED,
                "no_policy_published",
                effect,
                "No AI acceptable use policy is published for the person to acknowledge.",
            )
        ]
    if not person.get("acknowledged"):
        return [
            Reason(
                POLICY_ACKNOWLEDGED,
                "policy_not_acknowledged",
                effect,
                "The person has not acknowledged the current AI acceptable use policy.",
            )
        ]
    return []


def _supplier_current(supplier: dict | None, settings: dict, today: date) -> list[Reason]:
    enforcement = settings["supplier_check"]
    if supplier is None or enforcement == SupplierEnforcement.OFF:
        return []
    effect = DENY if enforcement == SupplierEnforcement.DENY else WARN
    name = supplier["name"]
    if not supplier.get("approved"):
        return [
            Reason(
                SUPPLIER_CURRENT,
                "supplier_not_assessed",
                effect,
                f"{name} has no approved supplier assessment.",
            )
        ]
    reasons = []
    due = supplier.get("reassess_by")
    if due and date.fromisoformat(due) < today:
        reasons.append(
            Reason(
                SUPPLIER_CURRENT,
                "supplier_reassessment_overdue",
                effect,
                f"{name} was due for reassessment on {due}.",
            )
        )
    for certificate, valid_until in supplier.get("certificates", []):
        if date.fromisoformat(valid_until) < today:
            reasons.append(
                Reason(
                    SUPPLIER_CURRENT,
                    "supplier_certificate_expired",
                    effect,
                    f"{name}'s {certificate} certificate expired on {valid_until}.",
                )
            )
    return reasons


def _ai_act(tool: dict) -> list[Reason]:
    if tool.get("prohibited"):
        return [
            Reason(
                AI_ACT_OBLIGATIONS,
                "prohibited_practice",
                DENY,
                f"{tool['name']}'s impact assessment found a prohibited practice "
                "(EU AI Act Art. 5).",
            )
        ]
    missing = tool.get("high_risk_unmet", [])
    if missing:
        return [
            Reason(
                AI_ACT_OBLIGATIONS,
                "high_risk_obligations_unmet",
                DENY,
                f"{tool['name']} is high-risk and its deployer obligations are not met: "
                + "; ".join(missing)
                + ".",
            )
        ]
    return []


def category_name(category: str) -> str:
    """A data category as people read it (its label), or as the caller sent it if unknown."""
    return DataCategory(category).label if category in DataCategory.values else category
