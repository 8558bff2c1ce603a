"""Incident pages, under /o/<org_slug>/monitoring/incidents/."""

from django.urls import path

from monitoring.incidents import views

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident_list"),
    path("report/", views.IncidentReportView.as_view(), name="incident_report"),
    path("settings/", views.IncidentSettingsView.as_view(), name="incident_settings"),
    path(
        "settings/concern-links/",
        views.ConcernChannelCreateView.as_view(),
        name="concern_channel_create",
    ),
    path(
        "concern-links/<int:pk>/revoke/",
        views.ConcernChannelRevokeView.as_view(),
        name="concern_channel_revoke",
    ),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("<int:pk>/triage/", views.IncidentTriageView.as_view(), name="incident_triage"),
    path("<int:pk>/dismiss/", views.IncidentDismissView.as_view(), name="incident_dismiss"),
    path("<int:pk>/contain/", views.IncidentContainView.as_view(), name="incident_contain"),
    path("<int:pk>/close/", views.IncidentCloseView.as_view(), name="incident_close"),
    path("<int:pk>/suspend/", views.IncidentSuspendView.as_view(), name="incident_suspend"),
    path("<int:pk>/timeline/", views.IncidentNoteView.as_view(), name="incident_note"),
    path("<int:pk>/evidence/", views.IncidentEvidenceView.as_view(), name="incident_evidence"),
    path(
        "<int:pk>/nonconformity/",
        views.IncidentRaiseNonconformityView.as_view(),
        name="incident_raise_nc",
    ),
    path(
        "from-check-run/<int:pk>/",
        views.IncidentFromCheckRunView.as_view(),
        name="incident_from_check_run",
    ),
    path("clocks/<int:pk>/report/", views.ClockReportView.as_view(), name="clock_report"),
    path(
        "evidence/<int:pk>/download/",
        views.EvidenceDownloadView.as_view(),
        name="incident_evidence_download",
    ),
]
