"""The builder's form-level screens beside the field list: the whole field order in one POST, the draft's preview."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView, View

from forms_engine import services
from forms_engine.admin_ui.views import BuilderMixin
from forms_engine.models import FormVersion
from forms_engine.public import form_page_context, version_for_public


def _draft_state(form) -> str:
    """The form page's note on the draft against the last version ("" before the first is published)."""
    version = form.versions.order_by("-number").first()
    if version is None:
        return ""
    try:
        changed = services.form_schema_build(fields=list(form.fields.all())) != version.schema
    except ValidationError:
        changed = True
    if changed:
        return _("The draft has changes: publishing makes version %(n)s.") % {"n": version.number + 1}
    return _("The draft is the same as version %(n)s.") % {"n": version.number}


class FieldReorderView(BuilderMixin, View):
    """The draft's whole field order in one POST (`field` repeated, top to bottom), all or nothing; answers JSON."""

    def post(self, request, pk: int):
        raw = request.POST.getlist("field")
        if not all(value.isdigit() for value in raw):
            return JsonResponse({"ok": False, "errors": [_("The order sent is not readable.")]}, status=400)
        try:
            fields = services.form_fields_reorder(form=self.form_def, field_ids=[int(value) for value in raw])
        except ValidationError as error:
            return JsonResponse({"ok": False, "errors": error.messages}, status=400)
        problems = services.form_draft_problems(form=self.form_def)
        return JsonResponse(
            {
                "ok": True,
                "order": [field.pk for field in fields],
                "message": _("The new order is saved."),
                "draft": _draft_state(self.form_def),
                # Kept, but publishing will refuse the draft until these are put right.
                "warnings": [_("Before publishing, put right:"), *problems] if problems else [],
            }
        )


@method_decorator(xframe_options_sameorigin, name="dispatch")
class FormPreviewView(BuilderMixin, TemplateView):
    """The draft as the public form shows it (the same templates and rendering), for the builder's preview frame.

    Nothing is posted from it: the page has no working send button."""

    template_name = "forms_engine/admin/form_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.form_def
        try:
            schema = services.form_schema_build(fields=list(form.fields.all()))
        except ValidationError as error:
            context.update(form=form, problems=error.messages, fields=[])
            return context
        draft = FormVersion(form=form, number=0, schema=schema)  # unsaved: never reaches the schema cache
        shown = version_for_public(form=form, version=draft)
        context.update(
            form_page_context(self.request, form=form, version=shown),
            preview=True,
            action="",
            staff_only=sorted(getattr(shown, "staff_only", set())),
        )
        return context
