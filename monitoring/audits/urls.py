"""Internal audit pages, under /o/<org_slug>/monitoring/audits/."""

from django.urls import path

from monitoring.audits import views

urlpatterns = [
    path("", views.ProgrammeListView.as_view(), name="audit_programme_list"),
    path("new/", views.ProgrammeCreateView.as_view(), name="audit_programme_create"),
    path("<int:pk>/", views.ProgrammeDetailView.as_view(), name="audit_programme_detail"),
    path("<int:pk>/plan/", views.AuditPlanView.as_view(), name="audit_plan"),
    path("audit/<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path("audit/<int:pk>/start/", views.AuditStartView.as_view(), name="audit_start"),
    path("audit/<int:pk>/report/", views.AuditReportView.as_view(), name="audit_report"),
    path("audit/<int:pk>/findings/", views.FindingAddView.as_view(), name="audit_finding_add"),
    path(
        "findings/<int:pk>/nonconformity/",
        views.FindingRaiseNonconformityView.as_view(),
        name="audit_finding_raise_nc",
    ),
]
