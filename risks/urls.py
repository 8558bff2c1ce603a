"""The risks pages, under /o/<org_slug>/risks/."""

from django.urls import path

from .views import change, register, snapshots, soa

urlpatterns = [
    path("", register.RiskListView.as_view(), name="risk_list"),
    path("columns/", register.RiskColumnsView.as_view(), name="risk_columns"),
    path("new/", register.RiskCreateView.as_view(), name="risk_create"),
    path("export.<str:fmt>", register.RiskExportView.as_view(), name="risk_export"),
    path("criteria/", register.CriteriaView.as_view(), name="risk_criteria"),
    path("<int:pk>/", register.RiskDetailView.as_view(), name="risk_detail"),
    path("<int:pk>/edit/", register.RiskUpdateView.as_view(), name="risk_edit"),
    path("<int:pk>/status/", register.RiskStatusView.as_view(), name="risk_status"),
    path("<int:pk>/actions/", register.TreatmentActionCreateView.as_view(), name="risk_action_add"),
    path(
        "actions/<int:pk>/status/",
        register.TreatmentActionStatusView.as_view(),
        name="risk_action_status",
    ),
    path(
        "<int:pk>/acceptance/",
        register.AcceptanceRequestView.as_view(),
        name="risk_acceptance_request",
    ),
    path(
        "acceptances/<int:pk>/approve/",
        register.AcceptanceDecisionView.as_view(decision="approve"),
        name="risk_acceptance_approve",
    ),
    path(
        "acceptances/<int:pk>/reject/",
        register.AcceptanceDecisionView.as_view(decision="reject"),
        name="risk_acceptance_reject",
    ),
    path(
        "acceptances/<int:pk>/endorse/",
        register.AcceptanceDecisionView.as_view(decision="endorse"),
        name="risk_acceptance_endorse",
    ),
    path(
        "<int:pk>/approve-plan/",
        register.TreatmentPlanApproveView.as_view(),
        name="risk_plan_approve",
    ),
    path(
        "acceptances/<int:pk>/withdraw/",
        register.AcceptanceDecisionView.as_view(decision="withdraw"),
        name="risk_acceptance_withdraw",
    ),
    # Risk register and treatment plan snapshots (8.2, 8.3)
    path("snapshots/", snapshots.RiskSnapshotListView.as_view(), name="risk_snapshot_list"),
    path("snapshots/take/", snapshots.RiskSnapshotTakeView.as_view(), name="risk_snapshot_take"),
    path("snapshots/<int:pk>/", snapshots.RiskSnapshotDetailView.as_view(), name="risk_snapshot"),
    path(
        "snapshots/<int:pk>/approve/",
        snapshots.RiskSnapshotDecisionView.as_view(decision="approve"),
        name="risk_snapshot_approve",
    ),
    path(
        "snapshots/<int:pk>/reject/",
        snapshots.RiskSnapshotDecisionView.as_view(decision="reject"),
        name="risk_snapshot_reject",
    ),
    path(
        "snapshots/<int:pk>/pdf/",
        snapshots.RiskSnapshotPdfRequestView.as_view(),
        name="risk_snapshot_pdf",
    ),
    path(
        "snapshots/<int:pk>/export.<str:fmt>",
        snapshots.RiskSnapshotExportView.as_view(),
        name="risk_snapshot_export",
    ),
    path("supplier-gaps/", register.SupplierGapListView.as_view(), name="supplier_gaps"),
    path("from-gap/<int:pk>/", register.RiskFromGapView.as_view(), name="risk_from_gap"),
    path("from-harm/<int:pk>/", register.RiskFromHarmView.as_view(), name="risk_from_harm"),
    # The AI change gate
    path("changes/", change.ChangeRequestListView.as_view(), name="change_request_list"),
    path("changes/new/", change.ChangeRequestCreateView.as_view(), name="change_request_create"),
    path(
        "changes/<int:pk>/", change.ChangeRequestDetailView.as_view(), name="change_request_detail"
    ),
    path(
        "changes/<int:pk>/approve/",
        change.ChangeRequestDecisionView.as_view(decision="approve"),
        name="change_request_approve",
    ),
    path(
        "changes/<int:pk>/reject/",
        change.ChangeRequestDecisionView.as_view(decision="reject"),
        name="change_request_reject",
    ),
    path(
        "changes/<int:pk>/withdraw/",
        change.ChangeRequestDecisionView.as_view(decision="withdraw"),
        name="change_request_withdraw",
    ),
    path(
        "changes/<int:pk>/evidence/",
        change.ChangeRequestEvidenceView.as_view(),
        name="change_request_evidence",
    ),
    path(
        "changes/<int:pk>/risk/", change.ChangeRequestRiskView.as_view(), name="change_request_risk"
    ),
    path(
        "changes/<int:pk>/assess/",
        change.AssessmentStartView.as_view(),
        name="change_request_assess",
    ),
    path("assessments/<int:pk>/", change.AssessmentWizardView.as_view(), name="impact_assessment"),
    path(
        "assessments/<int:pk>/approve/",
        change.AssessmentApproveView.as_view(),
        name="impact_assessment_approve",
    ),
    path("debt/", change.ComplianceDebtView.as_view(), name="compliance_debt"),
    path("assessments/<int:pk>/fria/", change.FriaStartView.as_view(), name="fria_start"),
    path("fria/<int:pk>/", change.FriaView.as_view(), name="fria_detail"),
    path("obligations/", change.AIActObligationListView.as_view(), name="ai_act_obligation_list"),
    path(
        "obligations/<int:pk>/complete/",
        change.AIActObligationCompleteView.as_view(),
        name="ai_act_obligation_complete",
    ),
    # Statement of Applicability
    path("soa/", soa.SoAIndexView.as_view(), name="soa_index"),
    path("soa/submit/", soa.SoASubmitView.as_view(), name="soa_submit"),
    path("soa/approve/", soa.SoAApproveView.as_view(), name="soa_approve"),
    path("soa/rows/<int:pk>/", soa.SoARowView.as_view(), name="soa_row"),
    path("soa/snapshots/<int:pk>/", soa.SnapshotDetailView.as_view(), name="soa_snapshot"),
    path("soa/<slug:framework>/", soa.SoATableView.as_view(), name="soa_table"),
    path(
        "soa/<slug:framework>/own/new/",
        soa.OwnControlCreateView.as_view(),
        name="soa_own_control_add",
    ),
    path("soa/<slug:framework>/export.<str:fmt>", soa.SoAExportView.as_view(), name="soa_export"),
]
