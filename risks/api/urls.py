"""Register this app's viewsets on isms.api.routers.org_router (flat routes only)."""

from isms.api.routers import org_router

from .views import (
    AIActObligationViewSet,
    ChangeRequestViewSet,
    ComplianceDebtViewSet,
    FundamentalRightsAssessmentViewSet,
    ImpactAssessmentViewSet,
    RiskAcceptanceViewSet,
    RiskCriteriaViewSet,
    RiskSnapshotViewSet,
    RiskViewSet,
    SoARowViewSet,
    SoASnapshotViewSet,
    TreatmentActionViewSet,
)

org_router.register("risks", RiskViewSet, basename="risk")
org_router.register("risk-acceptances", RiskAcceptanceViewSet, basename="risk-acceptance")
org_router.register("treatment-actions", TreatmentActionViewSet, basename="treatment-action")
org_router.register("risk-criteria", RiskCriteriaViewSet, basename="risk-criteria")
org_router.register("risk-snapshots", RiskSnapshotViewSet, basename="risk-snapshot")
org_router.register("ai-change-requests", ChangeRequestViewSet, basename="ai-change-request")
org_router.register("impact-assessments", ImpactAssessmentViewSet, basename="impact-assessment")
org_router.register("soa-rows", SoARowViewSet, basename="soa-row")
org_router.register("soa-snapshots", SoASnapshotViewSet, basename="soa-snapshot")
org_router.register("compliance-debt", ComplianceDebtViewSet, basename="compliance-debt")
org_router.register("ai-act-obligations", AIActObligationViewSet, basename="ai-act-obligation")
org_router.register("frias", FundamentalRightsAssessmentViewSet, basename="fria")
