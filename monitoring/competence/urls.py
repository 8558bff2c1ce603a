"""Competence and awareness pages, under /o/<org_slug>/monitoring/competence/."""

from django.urls import path

from monitoring.competence import views

urlpatterns = [
    path("", views.CompetenceView.as_view(), name="competence"),
    path("gaps.<str:fmt>", views.GapExportView.as_view(), name="competence_gaps_export"),
    path("requirements/new/", views.RequirementCreateView.as_view(), name="requirement_create"),
    path(
        "requirements/<int:pk>/edit/",
        views.RequirementEditView.as_view(),
        name="requirement_edit",
    ),
    path("assignments/new/", views.AssignmentCreateView.as_view(), name="assignment_create"),
    path(
        "assignments/<int:pk>/withdraw/",
        views.AssignmentDeleteView.as_view(),
        name="assignment_withdraw",
    ),
    path("training/", views.TrainingListView.as_view(), name="training_list"),
    path("training/new/", views.TrainingCreateView.as_view(), name="training_create"),
    path("training/<int:pk>/", views.TrainingDetailView.as_view(), name="training_detail"),
    path("training/<int:pk>/edit/", views.TrainingEditView.as_view(), name="training_edit"),
    path(
        "training/<int:pk>/evidence/",
        views.TrainingEvidenceView.as_view(),
        name="training_evidence",
    ),
]
