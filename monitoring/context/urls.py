"""Context, scope and objectives pages, under /o/<org_slug>/monitoring/context/."""

from django.urls import path

from monitoring.context import views

urlpatterns = [
    path("", views.ContextListView.as_view(), name="context_list"),
    path("issues/new/", views.IssueCreateView.as_view(), name="context_issue_create"),
    path("issues/<int:pk>/edit/", views.IssueEditView.as_view(), name="context_issue_edit"),
    path("parties/new/", views.PartyCreateView.as_view(), name="interested_party_create"),
    path("parties/<int:pk>/edit/", views.PartyEditView.as_view(), name="interested_party_edit"),
    path("scope/", views.ScopeView.as_view(), name="scope"),
    path("scope/new/", views.ScopeDraftView.as_view(), name="scope_draft"),
    path("scope/<int:pk>/", views.ScopeDetailView.as_view(), name="scope_detail"),
    path("scope/<int:pk>/edit/", views.ScopeEditView.as_view(), name="scope_edit"),
    path("scope/<int:pk>/submit/", views.ScopeSubmitView.as_view(), name="scope_submit"),
    path("scope/<int:pk>/return/", views.ScopeReturnView.as_view(), name="scope_return"),
    path("scope/<int:pk>/approve/", views.ScopeApproveView.as_view(), name="scope_approve"),
    path("objectives/", views.ObjectiveListView.as_view(), name="objective_list"),
    path("objectives/new/", views.ObjectiveCreateView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/", views.ObjectiveDetailView.as_view(), name="objective_detail"),
    path("objectives/<int:pk>/edit/", views.ObjectiveEditView.as_view(), name="objective_edit"),
    path(
        "objectives/<int:pk>/measure/",
        views.MeasurementRecordView.as_view(),
        name="objective_measure",
    ),
]
