"""The suppliers pages (browser UI). Views go: parse input → access → one service call."""

from suppliers.views.assessment import (
    AnswerCommentView,
    AssessmentAnswersView,
    AssessmentDetailView,
    AssessmentListView,
    AssessmentTransitionView,
    PortalLinkCreateView,
    PortalLinkRevokeView,
)
from suppliers.views.supplier import (
    AssessmentCreateView,
    AssessmentFileDownloadView,
    CertificationCreateView,
    CertificationFileView,
    ContactCreateView,
    ContractClausesView,
    SupplierColumnsView,
    SupplierCreateView,
    SupplierDetailView,
    SupplierExportView,
    SupplierImportView,
    SupplierListView,
    SupplierUpdateView,
)

__all__ = [
    "AnswerCommentView",
    "AssessmentAnswersView",
    "AssessmentCreateView",
    "AssessmentDetailView",
    "AssessmentFileDownloadView",
    "AssessmentListView",
    "AssessmentTransitionView",
    "CertificationCreateView",
    "CertificationFileView",
    "ContactCreateView",
    "ContractClausesView",
    "PortalLinkCreateView",
    "PortalLinkRevokeView",
    "SupplierColumnsView",
    "SupplierCreateView",
    "SupplierDetailView",
    "SupplierExportView",
    "SupplierImportView",
    "SupplierListView",
    "SupplierUpdateView",
]
