"""The policies pages, under /o/<org_slug>/policies/."""

from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="policy_list"),
    path("new/", views.PolicyCreateView.as_view(), name="policy_create"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("to-read/", views.MyPoliciesView.as_view(), name="my_policies"),
    path("<int:pk>/", views.PolicyDetailView.as_view(), name="policy_detail"),
    path("<int:pk>/edit/", views.PolicyEditView.as_view(), name="policy_edit"),
    path("<int:pk>/controls/", views.PolicyControlsView.as_view(), name="policy_controls"),
    path("<int:pk>/new-version/", views.VersionCreateView.as_view(), name="version_create"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version_detail"),
    path("versions/<int:pk>/edit/", views.VersionEditView.as_view(), name="version_edit"),
    path("versions/<int:pk>/submit/", views.VersionSubmitView.as_view(), name="version_submit"),
    *[
        path(
            f"versions/<int:pk>/{slug}/",
            views.VersionTransitionView.as_view(action=action),
            name=f"version_{action}",
        )
        for slug, action in [
            ("approve", "approve"),
            ("publish", "publish"),
            ("retire", "retire"),
            ("return", "return_to_draft"),
            ("delete", "delete"),
        ]
    ],
    path("versions/<int:pk>/diff/", views.VersionDiffView.as_view(), name="version_diff"),
    path(
        "versions/<int:pk>/document/", views.VersionDocumentView.as_view(), name="version_document"
    ),
    path(
        "versions/<int:pk>/acknowledge/",
        views.AcknowledgeView.as_view(),
        name="version_acknowledge",
    ),
    path(
        "versions/<int:pk>/acknowledgements/",
        views.VersionAcknowledgementsView.as_view(),
        name="version_acknowledgements",
    ),
]
