from django.urls import path

from monitoring.checks import views

urlpatterns = [
    path("", views.CheckListView.as_view(), name="check_list"),
    path("controls/", views.ControlCoverageView.as_view(), name="control_coverage"),
    path("controls/<int:pk>/", views.ControlMonitoringView.as_view(), name="control_monitoring"),
    path(
        "controls/<int:pk>/evidence/add/",
        views.EvidenceAddView.as_view(),
        name="control_evidence_add",
    ),
    path("controls/<int:pk>/plans/add/", views.PlanCreateView.as_view(), name="control_plan_add"),
    path(
        "controls/<int:pk>/plans/<int:plan>/edit/",
        views.PlanEditView.as_view(),
        name="control_plan_edit",
    ),
    path(
        "controls/<int:pk>/plans/<int:plan>/test/",
        views.TestRecordView.as_view(),
        name="control_test_record",
    ),
    path("<str:code>/", views.CheckDetailView.as_view(), name="check_detail"),
]
