"""Evidence pack pages, under /o/<org_slug>/monitoring/packs/."""

from django.urls import path

from monitoring.packs import views

urlpatterns = [
    path("", views.PackListView.as_view(), name="pack_list"),
    path("new/", views.PackRequestView.as_view(), name="pack_request"),
    path("verify/", views.PackVerifyView.as_view(), name="pack_verify"),
    path("public-key.pem", views.PublicKeyView.as_view(), name="pack_public_key"),
    path("<int:pk>/", views.PackDetailView.as_view(), name="pack_detail"),
    path("<int:pk>/progress/", views.PackProgressView.as_view(), name="pack_progress"),
    path("<int:pk>/cancel/", views.PackCancelView.as_view(), name="pack_cancel"),
    path("<int:pk>/retry/", views.PackRetryView.as_view(), name="pack_retry"),
    path("<int:pk>/delete/", views.PackDeleteView.as_view(), name="pack_delete"),
    path("<int:pk>/download/<str:kind>/", views.PackDownloadView.as_view(), name="pack_download"),
    path("schedules/new/", views.PackScheduleCreateView.as_view(), name="pack_schedule_create"),
    path("schedules/<int:pk>/", views.PackScheduleEditView.as_view(), name="pack_schedule_edit"),
    path(
        "schedules/<int:pk>/pause/",
        views.PackSchedulePauseView.as_view(),
        name="pack_schedule_pause",
    ),
    path(
        "schedules/<int:pk>/resume/",
        views.PackScheduleResumeView.as_view(),
        name="pack_schedule_resume",
    ),
    path(
        "schedules/<int:pk>/delete/",
        views.PackScheduleDeleteView.as_view(),
        name="pack_schedule_delete",
    ),
    path("file/<str:token>/", views.PackSignedDownloadView.as_view(), name="pack_signed_download"),
]
