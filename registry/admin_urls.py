"""Admin URLs of the registry (under /admin/registry/)."""

from django.urls import path

from registry import admin_documents, admin_lifecycle, admin_spreadsheets
from registry.admin_ui.urls import urlpatterns as screens

app_name = "registry"

spreadsheets = [
    path("cadres/import/", admin_spreadsheets.CadreImportView.as_view(), name="cadre_import"),
    path("cadres/import/template/", admin_spreadsheets.CadreImportTemplateView.as_view(), name="cadre_import_template"),
    path("cadres/import/commit/", admin_spreadsheets.CadreImportCommitView.as_view(), name="cadre_import_commit"),
    path("cadres/import/map/", admin_spreadsheets.CadreImportMapView.as_view(), name="cadre_import_map"),
    path("cadres/export/", admin_spreadsheets.CadreExportView.as_view(), name="cadre_export"),
]

lifecycle = [
    path("lifecycle/cadres/<int:pk>/receive/", admin_lifecycle.CadreReceiveView.as_view(), name="cadre_receive"),
    path("lifecycle/cadres/<int:pk>/death/", admin_lifecycle.CadreDeathView.as_view(), name="cadre_death"),
    path(
        "lifecycle/cadres/<int:pk>/transfer/",
        admin_lifecycle.CadreTransferRequestView.as_view(),
        name="cadre_transfer_request",
    ),
    path("lifecycle/transfers/", admin_lifecycle.TransferListView.as_view(), name="transfer_list"),
    path(
        "lifecycle/transfers/<int:pk>/approve/", admin_lifecycle.TransferApproveView.as_view(), name="transfer_approve"
    ),
    path(
        "lifecycle/transfers/<int:pk>/execute/", admin_lifecycle.TransferExecuteView.as_view(), name="transfer_execute"
    ),
]

documents = [
    path(
        "cadres/<int:pk>/documents/<int:document_id>/",
        admin_documents.ArchiveDocumentDownloadView.as_view(),
        name="archive_document",
    ),
]

# The import/export routes come before the screens' `cadres/<pk>/<tab>/`.
urlpatterns = spreadsheets + screens + lifecycle + documents
