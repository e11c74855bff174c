"""Form-library screens of the 表单 menu: XLSForm import and export, new forms from the standard's templates.

Interfaces only: the work is done by forms_engine.xlsform and forms_engine.library. Builders only, as in views.py.
"""

from __future__ import annotations

import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin import messages

from forms_engine.admin_ui.views import BuilderMixin, FormsView, warn_same_title
from forms_engine.library import form_from_template, form_template_list
from forms_engine.models import FormDefinition
from forms_engine.xlsform import definition_export, definition_import

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("XLSForm workbook (.xlsx)"),
        help_text=gettext_lazy("At most 5 MB; sheets survey, choices and settings."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    key = forms.CharField(
        label=gettext_lazy("key"),
        max_length=80,
        required=False,
        help_text=gettext_lazy("Left empty, it comes from the form_id of the settings sheet."),
    )
    title = forms.CharField(
        label=gettext_lazy("title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Left empty, it comes from the form_title of the settings sheet."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is too large (%(size)s MB); at most %(limit)s MB.")
                % {"size": round(upload.size / 1024 / 1024, 1), "limit": MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        return upload


class FormImportView(BuilderMixin, FormsView):
    """从 XLSForm 导入: a new draft from an uploaded workbook, all or nothing."""

    template_name = "forms_engine/admin/form_import.html"

    def get_page_title(self):
        return _("Import from XLSForm")

    def get(self, request, *args, **kwargs):
        return self.render_page(upload=ImportForm(), reasons=[])

    def post(self, request, *args, **kwargs):
        upload = ImportForm(request.POST, request.FILES)
        reasons: list[str] = []
        if upload.is_valid():
            data = upload.cleaned_data
            try:
                form = definition_import(
                    source=io.BytesIO(data["file"].read()), key=data["key"] or None, title=data["title"] or None
                )
            except ValidationError as error:
                reasons = error.messages
            else:
                messages.success(
                    request,
                    _("Form “%(title)s” imported as a draft with %(n)d fields; check it, then publish.")
                    % {"title": form.title, "n": form.fields.count()},
                )
                for warning in form.import_warnings:
                    messages.warning(request, warning)
                warn_same_title(request, form)
                return redirect("forms_engine:form_edit", form.pk)
        return self.render_page(upload=upload, reasons=reasons)


class FormExportView(BuilderMixin, View):
    """导出为 XLSForm: the draft, or ?version=N a published version, as a workbook download."""

    def get(self, request, pk: int):
        form = self.form_def
        version, suffix = None, "draft"
        number = request.GET.get("version", "")
        if number:
            version = form.versions.filter(number=number).first() if number.isdigit() else None
            if version is None:
                raise Http404
            suffix = f"v{version.number}"
        response = HttpResponse(definition_export(form=form, version=version), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{form.key}-{suffix}.xlsx"'
        return response


class FormTemplateListView(BuilderMixin, FormsView):
    """从标准模板新建: the standard's templates, each copied into the centre as a draft."""

    template_name = "forms_engine/admin/form_templates.html"

    def get_page_title(self):
        return _("New from a standard template")

    def _render(self, *, chosen: str = "", errors: list[str] | None = None, key: str = "", title: str = ""):
        purposes = dict(FormDefinition.Purpose.choices)
        templates = [{**t, "purpose_label": purposes.get(t["purpose"], t["purpose"])} for t in form_template_list()]
        return self.render_page(templates=templates, chosen=chosen, errors=errors or [], key=key, title=title)

    def get(self, request, *args, **kwargs):
        return self._render()

    def post(self, request, *args, **kwargs):
        template_key = request.POST.get("template_key", "")
        key, title = request.POST.get("key", "").strip(), request.POST.get("title", "").strip()
        try:
            form = form_from_template(template_key=template_key, key=key or None, title=title or None)
        except ValidationError as error:
            return self._render(chosen=template_key, errors=error.messages, key=key, title=title)
        messages.success(
            request,
            _("Form “%(title)s” created from the template as a draft; check it, then publish.") % {"title": form.title},
        )
        warn_same_title(request, form)
        return redirect("forms_engine:form_edit", form.pk)
