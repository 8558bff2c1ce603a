"""The suppliers pages, under /o/<org_slug>/suppliers/."""

from django.urls import path

from suppliers import views

urlpatterns = [
    path("", views.SupplierListView.as_view(), name="supplier_list"),
    path("columns/", views.SupplierColumnsView.as_view(), name="supplier_columns"),
    path("new/", views.SupplierCreateView.as_view(), name="supplier_create"),
    path("export/", views.SupplierExportView.as_view(), name="supplier_export"),
    path("import/", views.SupplierImportView.as_view(), name="supplier_import"),
    path("<int:pk>/", views.SupplierDetailView.as_view(), name="supplier_detail"),
    path("<int:pk>/edit/", views.SupplierUpdateView.as_view(), name="supplier_update"),
    path("<int:pk>/contacts/", views.ContactCreateView.as_view(), name="supplier_contact_create"),
    path(
        "<int:pk>/certifications/",
        views.CertificationCreateView.as_view(),
        name="supplier_certification_create",
    ),
    path("<int:pk>/contract/", views.ContractClausesView.as_view(), name="supplier_contract"),
    path(
        "<int:pk>/assessments/new/",
        views.AssessmentCreateView.as_view(),
        name="supplier_assessment_create",
    ),
    path(
        "certifications/<int:pk>/file/",
        views.CertificationFileView.as_view(),
        name="supplier_certification_file",
    ),
    path("assessments/", views.AssessmentListView.as_view(), name="supplier_assessment_list"),
    path(
        "assessments/<int:pk>/",
        views.AssessmentDetailView.as_view(),
        name="supplier_assessment_detail",
    ),
    path(
        "assessments/<int:pk>/transition/",
        views.AssessmentTransitionView.as_view(),
        name="supplier_assessment_transition",
    ),
    path(
        "assessments/<int:pk>/answers/",
        views.AssessmentAnswersView.as_view(),
        name="supplier_assessment_answers",
    ),
    path(
        "assessments/<int:pk>/links/",
        views.PortalLinkCreateView.as_view(),
        name="supplier_portal_link_create",
    ),
    path(
        "links/<int:pk>/revoke/",
        views.PortalLinkRevokeView.as_view(),
        name="supplier_portal_link_revoke",
    ),
    path(
        "answers/<int:pk>/comments/",
        views.AnswerCommentView.as_view(),
        name="supplier_answer_comment",
    ),
    path(
        "assessment-files/<int:pk>/",
        views.AssessmentFileDownloadView.as_view(),
        name="supplier_assessment_file",
    ),
]
