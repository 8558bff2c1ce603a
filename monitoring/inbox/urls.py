from django.urls import path

from monitoring.inbox import views

app_name = "monitoring_inbox"
urlpatterns = [
    path("", views.MonitoringHomeView.as_view(), name="home"),
    path("tasks/", views.MyTasksView.as_view(), name="my_tasks"),
    path("tasks/read-all/", views.NotificationReadAllView.as_view(), name="read_all"),
    path("tasks/settings/", views.InboxSettingsView.as_view(), name="settings"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="mark_read"),
]
