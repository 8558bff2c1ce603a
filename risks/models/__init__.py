"""The risk register (Clauses 6.1, 8.2, 8.3), the AI change gate (6.3, 8.1, control 8.32),
AI impact assessments (ISO 42001 6.1.4, 8.4; EU AI Act) and the Statement of Applicability."""

from risks.models.change import AIChangeRequest, ImpactAssessment
from risks.models.fria import FundamentalRightsAssessment
from risks.models.obligations import AIActObligation
from risks.models.register import (
    Risk,
    RiskAcceptance,
    RiskAsset,
    RiskCategory,
    RiskControl,
    RiskCriteria,
    RiskStatus,
    RiskSupplier,
    RiskUserObjectPermission,
    TreatmentAction,
    TreatmentOption,
)
from risks.models.snapshots import RiskSnapshot
from risks.models.soa import SoARow, SoARowRisk, SoASnapshot, StatementOfApplicability

__all__ = [
    "AIActObligation",
    "AIChangeRequest",
    "FundamentalRightsAssessment",
    "ImpactAssessment",
    "Risk",
    "RiskAcceptance",
    "RiskAsset",
    "RiskCategory",
    "RiskControl",
    "RiskCriteria",
    "RiskSnapshot",
    "RiskStatus",
    "RiskSupplier",
    "RiskUserObjectPermission",
    "SoARow",
    "SoARowRisk",
    "SoASnapshot",
    "StatementOfApplicability",
    "TreatmentAction",
    "TreatmentOption",
]
