"""Audit engagements, under /o/<org_slug>/monitoring/engagements/."""

from django.urls import path

from monitoring.engagements import views

urlpatterns = [
    path("", views.EngagementListView.as_view(), name="engagement_list"),
    path("new/", views.EngagementCreateView.as_view(), name="engagement_create"),
    path("<int:pk>/", views.EngagementDetailView.as_view(), name="engagement_detail"),
    path("<int:pk>/edit/", views.EngagementEditView.as_view(), name="engagement_edit"),
    path("<int:pk>/end/", views.EngagementEndView.as_view(), name="engagement_end"),
    path("<int:pk>/auditors/", views.AuditorInviteView.as_view(), name="engagement_invite"),
    path(
        "auditors/<int:pk>/remove/",
        views.AuditorRemoveView.as_view(),
        name="engagement_auditor_remove",
    ),
    path("<int:pk>/requests/", views.RequestRaiseView.as_view(), name="engagement_request_raise"),
    path("<int:pk>/access-log/", views.AccessLogView.as_view(), name="engagement_access_log"),
    path(
        "requests/<int:pk>/answer/",
        views.RequestAnswerView.as_view(),
        name="engagement_request_answer",
    ),
    path(
        "requests/<int:pk>/close/",
        views.RequestCloseView.as_view(),
        name="engagement_request_close",
    ),
    path(
        "requests/<int:pk>/reopen/",
        views.RequestReopenView.as_view(),
        name="engagement_request_reopen",
    ),
    path("files/<str:token>/", views.AnswerFileView.as_view(), name="engagement_file"),
]
