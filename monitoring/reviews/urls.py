from django.urls import path

from monitoring.reviews import views

app_name = "monitoring_reviews"
urlpatterns = [
    path("", views.ScheduleListView.as_view(), name="schedule_list"),
    path("create-missing/", views.ScheduleEnsureView.as_view(), name="schedule_ensure"),
    path("settings/", views.ReviewSettingsView.as_view(), name="settings"),
    path("schedules/<int:pk>/", views.ScheduleDetailView.as_view(), name="schedule_detail"),
    path("schedules/<int:pk>/edit/", views.ScheduleEditView.as_view(), name="schedule_edit"),
    path("schedules/<int:pk>/start/", views.ScheduleStartReviewView.as_view(), name="review_start"),
    path(
        "schedules/<int:pk>/reviewed/",
        views.ScheduleMarkReviewedView.as_view(),
        name="schedule_reviewed",
    ),
    path("ai-reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("ai-reviews/<int:pk>/discard/", views.ReviewDiscardView.as_view(), name="review_discard"),
]
