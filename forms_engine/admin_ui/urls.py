"""Screens of the 表单 menu (under /admin/forms-engine/)."""

from django.urls import path

from forms_engine.admin_ui import builder, files, library, submissions, views
from forms_engine.admin_ui.field_name import FieldNameView

urlpatterns = [
    path("", views.FormListView.as_view(), name="form_list"),
    path("new/", views.FormCreateView.as_view(), name="form_create"),
    path("<int:pk>/", views.FormEditView.as_view(), name="form_edit"),
    path("<int:pk>/fields/add/", views.FieldEditView.as_view(), name="field_add"),
    path("<int:pk>/fields/name/", FieldNameView.as_view(), name="field_name"),
    path("<int:pk>/fields/<int:field_id>/", views.FieldEditView.as_view(), name="field_edit"),
    path("<int:pk>/fields/<int:field_id>/move/", views.FieldMoveView.as_view(), name="field_move"),
    path("<int:pk>/fields/reorder/", builder.FieldReorderView.as_view(), name="field_reorder"),
    path("<int:pk>/preview/", builder.FormPreviewView.as_view(), name="form_preview"),
    path("<int:pk>/fields/<int:field_id>/remove/", views.FieldRemoveView.as_view(), name="field_remove"),
    path("<int:pk>/publish/", views.FormPublishView.as_view(), name="form_publish"),
    path("<int:pk>/submissions/", submissions.SubmissionListView.as_view(), name="submission_list"),
    path("<int:pk>/submissions/new/", views.SubmissionFillView.as_view(), name="submission_fill"),
    path("<int:pk>/export/", submissions.ExportCreateView.as_view(), name="export_create"),
    path("submissions/<int:sid>/", views.SubmissionDetailView.as_view(), name="submission_detail"),
    path("submissions/<int:sid>/edit/", views.SubmissionEditView.as_view(), name="submission_edit"),
    path("submissions/<int:sid>/move/", views.SubmissionMoveView.as_view(), name="submission_move"),
    path("submissions/<int:sid>/assign/", views.SubmissionAssignView.as_view(), name="submission_assign"),
    path("submissions/<int:sid>/comment/", views.SubmissionCommentView.as_view(), name="submission_comment"),
    path("submissions/<int:sid>/file/", files.SubmissionFileView.as_view(), name="submission_file"),
    path("exports/", views.ExportListView.as_view(), name="export_list"),
    path("exports/<int:job_id>/status/", submissions.ExportStatusView.as_view(), name="export_status"),
    path("exports/<int:job_id>/download/", views.ExportDownloadView.as_view(), name="export_download"),
    path("import/", library.FormImportView.as_view(), name="form_import"),
    path("templates/", library.FormTemplateListView.as_view(), name="form_template_list"),
    path("<int:pk>/xlsform/", library.FormExportView.as_view(), name="form_export_xlsform"),
]
