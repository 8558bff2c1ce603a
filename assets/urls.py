"""The assets pages, under /o/<org_slug>/assets/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.AssetListView.as_view(), name="asset_list"),
    path("new/", views.AssetCreateView.as_view(), name="asset_create"),
    path("columns/", views.AssetColumnsView.as_view(), name="asset_columns"),
    path("bulk/", views.AssetBulkView.as_view(), name="asset_bulk"),
    path("export/", views.AssetExportView.as_view(), name="asset_export"),
    path("import/", views.AssetImportView.as_view(), name="asset_import"),
    path("report-ai/", views.ShadowReportView.as_view(), name="asset_shadow_report"),
    path("triage/", views.TriageQueueView.as_view(), name="asset_triage"),
    path(
        "triage/<int:pk>/accept/",
        views.TriageDecisionView.as_view(decision="accept"),
        name="asset_triage_accept",
    ),
    path(
        "triage/<int:pk>/dismiss/",
        views.TriageDecisionView.as_view(decision="dismiss"),
        name="asset_triage_dismiss",
    ),
    path("<int:pk>/", views.AssetDetailView.as_view(), name="asset_detail"),
    path("<int:pk>/edit/", views.AssetUpdateView.as_view(), name="asset_edit"),
    path("<int:pk>/retire/", views.AssetRetireView.as_view(), name="asset_retire"),
    path("<int:pk>/reinstate/", views.AssetReinstateView.as_view(), name="asset_reinstate"),
    path("<int:pk>/reviewed/", views.AssetReviewedView.as_view(), name="asset_reviewed"),
    path("<int:pk>/promote/", views.AssetPromoteView.as_view(), name="asset_promote"),
    path("<int:pk>/dependencies/", views.DependencyAddView.as_view(), name="asset_dependency_add"),
    path(
        "dependencies/<int:pk>/remove/",
        views.DependencyRemoveView.as_view(),
        name="asset_dependency_remove",
    ),
    path(
        "<int:pk>/evaluations/new/",
        views.EvaluationCreateView.as_view(),
        name="asset_evaluation_create",
    ),
    path(
        "evaluations/<int:pk>/evidence/",
        views.EvaluationEvidenceView.as_view(),
        name="asset_evaluation_evidence",
    ),
]
