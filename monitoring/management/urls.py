"""Management review pages, under /o/<org_slug>/monitoring/management-review/."""

from django.urls import path

from monitoring.management import views

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="management_review_list"),
    path("new/", views.ReviewCreateView.as_view(), name="management_review_create"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="management_review_detail"),
    path("<int:pk>/edit/", views.ReviewEditView.as_view(), name="management_review_edit"),
    path("<int:pk>/inputs/", views.ReviewAssembleView.as_view(), name="management_review_inputs"),
    path("<int:pk>/outputs/", views.ReviewOutputView.as_view(), name="management_review_output"),
    path("<int:pk>/submit/", views.ReviewSubmitView.as_view(), name="management_review_submit"),
    path("<int:pk>/return/", views.ReviewReturnView.as_view(), name="management_review_return"),
    path("<int:pk>/approve/", views.ReviewApproveView.as_view(), name="management_review_approve"),
]
