"""Clause 10 pages, under /o/<org_slug>/monitoring/improvement/."""

from django.urls import path

from monitoring.improvement import views

urlpatterns = [
    path("", views.NonconformityListView.as_view(), name="nonconformity_list"),
    path("new/", views.NonconformityCreateView.as_view(), name="nonconformity_create"),
    path("log/", views.ImprovementListView.as_view(), name="improvement_list"),
    path("log/new/", views.ImprovementCreateView.as_view(), name="improvement_create"),
    path("<int:pk>/", views.NonconformityDetailView.as_view(), name="nonconformity_detail"),
    path("<int:pk>/edit/", views.NonconformityEditView.as_view(), name="nonconformity_edit"),
    path("<int:pk>/actions/", views.ActionPlanView.as_view(), name="action_plan"),
    path("<int:pk>/close/", views.NonconformityCloseView.as_view(), name="nonconformity_close"),
    path("actions/<int:pk>/start/", views.ActionStartView.as_view(), name="action_start"),
    path("actions/<int:pk>/complete/", views.ActionCompleteView.as_view(), name="action_complete"),
    path("actions/<int:pk>/verify/", views.ActionVerifyView.as_view(), name="action_verify"),
    path("actions/<int:pk>/reject/", views.ActionRejectView.as_view(), name="action_reject"),
]
