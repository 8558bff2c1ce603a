from django.urls import path

from monitoring.checks import views

urlpatterns = [
    path("", views.CheckListView.as_view(), name="check_list"),
    path("controls/<int:pk>/", views.ControlMonitoringView.as_view(), name="control_monitoring"),
    path("<str:code>/", views.CheckDetailView.as_view(), name="check_detail"),
]
