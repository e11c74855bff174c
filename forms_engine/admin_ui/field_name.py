"""The machine name the add-field page proposes while the label is typed (the server holds the pinyin dictionary)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.generic import View

from forms_engine.admin_ui.views import BuilderMixin
from forms_engine.names import identifier_from_label


class FieldNameView(BuilderMixin, View):
    """GET ?label=…: {"name": …}, made from the label and unused in this form's draft."""

    def get(self, request, pk: int):
        label = request.GET.get("label", "")[:300]
        taken = set(self.form_def.fields.values_list("name", flat=True))
        return JsonResponse({"name": identifier_from_label(label, taken=taken) if label.strip() else ""})
