"""A centre's own evaluation in its Wagtail admin (考评与改进): its result under the year's published scorecard and
its improvement actions on the weak indicators (7.3.1).

The centre is always the request's centre (connection.tenant), never a form value. The reports tables live in the
public schema and are reached through the search path. Missing and forbidden both give 404.
"""

from __future__ import annotations

import statistics

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from reports.scorecard_forms import ActionStatusForm, ImprovementActionForm
from reports.selectors import (
    COLOUR_LABELS,
    access_improvement_action_by_id,
    format_value,
    improvement_actions,
    scorecard_current,
    scorecard_latest_published_year,
    scorecard_results,
)
from reports.services import improvement_action_create, improvement_action_set_status
from tenants.roles import Role, user_roles

WEAK = ("red", "amber")


def may_evaluate(user) -> bool:
    """The centre's evaluation and its actions are the centre admins' (and superusers')."""
    return bool(
        getattr(user, "is_authenticated", False) and (user.is_superuser or Role.CENTRE_ADMIN in user_roles(user))
    )


def _year(request) -> int | None:
    raw = (request.GET.get("year") or "").strip()
    if raw.isdigit() and len(raw) == 4:
        return int(raw)
    return scorecard_latest_published_year()


def _median(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


class EvaluationView(WagtailAdminTemplateMixin, TemplateView):
    """The centre's result (score, rank of N, each indicator against the city median), the others anonymised unless
    the scorecard says otherwise, and the actions on its weak indicators."""

    page_title = gettext_lazy("Evaluation and improvement")
    template_name = "reports/centre_admin/evaluation.html"
    header_icon = "clipboard-list"
    breadcrumbs_items: list = []

    def dispatch(self, request, *args, **kwargs):
        if not may_evaluate(request.user):
            raise Http404
        self.year = _year(request)
        self.scorecard = scorecard_current(year=self.year, published_only=True) if self.year else None
        return super().dispatch(request, *args, **kwargs)

    def _evaluation(self) -> dict:
        card, centre = self.scorecard, connection.tenant
        results = scorecard_results(scorecard=card)
        own = next((r for r in results if r["centre"].pk == centre.pk), None)
        items = list(card.items.select_related("indicator"))
        rows = []
        for item in items:
            code = item.indicator.code
            cell = (own or {}).get("cells", {}).get(code, {})
            shade = cell.get("colour", "none")
            rows.append(
                {
                    "item": item,
                    "code": code,
                    "value": format_value(item.indicator, cell.get("value")),
                    "numerator": cell.get("numerator"),
                    "denominator": cell.get("denominator"),
                    "colour": shade,
                    "label": COLOUR_LABELS[shade],
                    "weak": own is not None and shade in WEAK,
                    "median": format_value(
                        item.indicator, _median([r["cells"].get(code, {}).get("value") for r in results])
                    ),
                    **{n: format_value(item.indicator, getattr(item, n)) for n in ("target", "green", "amber")},
                }
            )
        ranking = [
            {
                "rank": r["rank"],
                "score": r["score"],
                "own": r["centre"].pk == centre.pk,
                "name": r["centre"].name if card.show_centre_names or r["centre"].pk == centre.pk else "",
            }
            for r in results
        ]
        return {"own": own, "count": len(results), "rows": rows, "ranking": ranking}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(year=self.year, scorecard=self.scorecard)
        if self.scorecard is None:
            return context
        evaluation = self._evaluation()
        weak = [row["code"] for row in evaluation["rows"] if row["weak"]]
        actions = improvement_actions(centre=connection.tenant, year=self.year)
        forms = kwargs.get("forms", {})
        for row in evaluation["rows"]:
            row["actions"] = [a for a in actions if a.indicator.code == row["code"]]
            if row["weak"]:
                row["form"] = forms.get(row["code"]) or ImprovementActionForm(
                    prefix=f"add-{row['code']}", initial={"indicator": row["code"]}, weak=weak
                )
        scored = {row["code"] for row in evaluation["rows"]}
        for action in actions:
            action.status_form = ActionStatusForm(prefix=f"a{action.pk}", initial={"status": action.status})
        context.update(
            evaluation,
            other_actions=[a for a in actions if a.indicator.code not in scored],
        )
        return context

    def post(self, request, *args, **kwargs):
        """Record an action on one of the centre's weak indicators of this evaluation."""
        if self.scorecard is None:
            raise Http404
        evaluation = self._evaluation()
        weak = [row["code"] for row in evaluation["rows"] if row["weak"]]
        code = request.POST.get("indicator_code", "")
        if code not in weak:
            raise Http404
        form = ImprovementActionForm(request.POST, prefix=f"add-{code}", weak=weak)
        if form.is_valid():
            data = form.cleaned_data
            try:
                improvement_action_create(
                    centre=connection.tenant,
                    year=self.year,
                    indicator_code=data["indicator"],
                    goal=data["goal"],
                    owner=data["owner"],
                    due_on=data["due_on"],
                    username=request.user.get_username(),
                )
            except ValidationError as error:
                for field, errors in (error.message_dict if hasattr(error, "error_dict") else {}).items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
                if not hasattr(error, "error_dict"):
                    form.add_error(None, error.messages[0])
            else:
                messages.success(request, _("The improvement action has been recorded."))
                return redirect(reverse("reports_centre:evaluation") + f"?year={self.year}")
        return self.render_to_response(self.get_context_data(forms={code: form}), status=400)


class ActionStatusView(View):
    """Change the status of one of the centre's own actions."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        if not may_evaluate(request.user):
            raise Http404
        action = access_improvement_action_by_id(centre=connection.tenant, id=pk)
        if action is None:
            raise Http404
        form = ActionStatusForm(request.POST, prefix=f"a{action.pk}")
        if form.is_valid():
            improvement_action_set_status(action=action, status=form.cleaned_data["status"])
            messages.success(request, _("Status changed."))
        else:
            messages.error(request, _("Not a status of an action."))
        return redirect(reverse("reports_centre:evaluation") + f"?year={action.year}")


urlpatterns = [
    path("", EvaluationView.as_view(), name="evaluation"),
    path("actions/<int:pk>/status/", ActionStatusView.as_view(), name="action_status"),
]
