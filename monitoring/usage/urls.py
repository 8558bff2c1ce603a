from django.urls import path

from monitoring.usage import views

app_name = "monitoring_usage"
urlpatterns = [
    path("", views.UsageView.as_view(), name="usage"),
    path("settings/", views.UsageSettingsView.as_view(), name="settings"),
]
