"""The yearly scorecard (7.1.1), its drill-down and the centres' improvement actions (7.3.1): bureau pages.

Interfaces only: read through the selectors, write through the services, render. Every chart keeps its table.
"""

from __future__ import annotations

import datetime as dt
import statistics

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from reports.access import as_of_context, bureau_required, page_context
from reports.filters import Filters, filters_parse
from reports.models import Indicator, Scorecard, ScorecardItem
from reports.periods import Period, PeriodError
from reports.scorecard_forms import (
    ItemFormSet,
    ScorecardCreateForm,
    ScorecardHeaderForm,
    item_formset_initial,
    item_formset_resubmitted,
)
from reports.selectors import (
    COLOUR_LABELS,
    centre_states,
    colour,
    facts_grids,
    format_value,
    improvement_actions,
    months_of,
    previous_scores,
    scorecard_current,
    scorecard_results,
    scorecard_versions,
)
from reports.services import scorecard_create as scorecard_create_service
from reports.services import scorecard_items_save
from reports.services import scorecard_publish as scorecard_publish_service
from reports.services import scorecard_revise as scorecard_revise_service
from tenants.models import Centre

COLOUR_SHORT = {
    "green": gettext_lazy("Green"),
    "amber": gettext_lazy("Amber"),
    "red": gettext_lazy("Red"),
    "none": gettext_lazy("No figure"),
}
PERCENT = {Indicator.Kind.RATE: "true"}


def _year_filters(request, template: str):
    """The page's year (the other filters of the portal do not apply here), or a 400 page saying what is wrong."""
    try:
        year = filters_parse(request.GET).period.year
    except PeriodError as exc:
        return None, render(request, template, {**page_context(request), "error": str(exc)}, status=400)
    return Filters(period=Period(year)), None


def _version(request) -> int | None:
    raw = (request.GET.get("version") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        raise Http404
    return int(raw)


def _chosen_scorecard(request, year: int, can_edit: bool) -> Scorecard | None:
    """The year's latest published scorecard, or the version asked for; drafts only for those who edit them."""
    version = _version(request)
    if version is None:
        return scorecard_current(year=year, published_only=not can_edit)
    card = get_object_or_404(Scorecard, year=year, version=version)
    if card.status != Scorecard.Status.PUBLISHED and not can_edit:
        raise Http404
    return card


def _item_rows(items: list[ScorecardItem]) -> list[dict]:
    """A scorecard's rows with the target and thresholds as they read (percent for rates)."""
    return [
        {
            "item": item,
            **{name: format_value(item.indicator, getattr(item, name)) for name in ("target", "green", "amber")},
        }
        for item in items
    ]


def _score_change(score: float, before: float | None) -> dict:
    if before is None:
        return {"text": "—", "good": None}
    delta = round(score - before, 1)
    return {"text": f"{delta:+.1f}", "good": None if delta == 0 else delta > 0}


def _ranking_rows(card: Scorecard, items: list[ScorecardItem], results: list[dict], query: str) -> list[dict]:
    previous = previous_scores(year=card.year)
    start = timezone.make_aware(dt.datetime.combine(Period(card.year).start, dt.time()))
    rows = []
    for result in results:
        centre = result["centre"]
        cells = []
        for item in items:
            cell = result["cells"].get(item.indicator.code, {})
            shade = cell.get("colour", "none")
            cells.append(
                {
                    "item": item,
                    "text": format_value(item.indicator, cell.get("value")),
                    "colour": shade,
                    "label": COLOUR_LABELS[shade],
                    "url": reverse("reports:drill", args=[item.indicator.code, centre.schema_name]) + query,
                }
            )
        missing = [c["item"].indicator.name for c in cells if c["colour"] == "none"]
        rows.append(
            {
                "centre": centre,
                "rank": result["rank"],
                "score": result["score"],
                "partial": result["partial"],
                "mid_year": centre.created_at > start,
                "missing": "、".join(missing),
                "retired": centre.status == Centre.Status.RETIRED,
                "change": _score_change(result["score"], previous.get(centre.pk)),
                "cells": cells,
            }
        )
    return rows


@bureau_required()
def scorecard(request):
    filters, error = _year_filters(request, "reports/scorecard.html")
    if error:
        return error
    year = filters.period.year
    context = page_context(request, filters)
    can_edit = context["can_edit"]
    card = _chosen_scorecard(request, year, can_edit)
    context |= {
        **as_of_context([s for s in centre_states(period=Period(year)) if not s.retired]),
        "year": year,
        "scorecard": card,
        "versions": scorecard_versions(year=year, drafts=can_edit),
        "create_form": ScorecardCreateForm(
            initial={"year": year, "title": _("Evaluation of %(year)d") % {"year": year}}
        ),
    }
    if card is not None:
        items = list(card.items.select_related("indicator"))
        query = f"?year={year}&version={card.version}"
        context.update(
            items=items,
            item_rows=_item_rows(items),
            rows=_ranking_rows(card, items, scorecard_results(scorecard=card) if items else [], query),
            draft=card.status == Scorecard.Status.DRAFT,
            colours=COLOUR_SHORT,
        )
    return render(request, "reports/scorecard.html", context)


@bureau_required("edit")
@require_POST
def scorecard_create(request):
    form = ScorecardCreateForm(request.POST)
    year = request.POST.get("year", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(reverse("reports:scorecard") + (f"?year={year}" if year.isdigit() else ""))
    try:
        card = scorecard_create_service(
            year=form.cleaned_data["year"], title=form.cleaned_data["title"], username=request.user.get_username()
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("reports:scorecard") + f"?year={form.cleaned_data['year']}")
    messages.success(request, _("Scorecard created: choose its indicators, targets and weights."))
    return redirect("reports:scorecard_edit", pk=card.pk)


def _edit_context(request, card: Scorecard, **extra) -> dict:
    return {
        **page_context(request, Filters(period=Period(card.year))),
        "scorecard": card,
        "year": card.year,
        "back": reverse("reports:scorecard") + f"?year={card.year}&version={card.version}",
        **extra,
    }


@bureau_required("edit")
@require_http_methods(["GET", "POST"])
def scorecard_edit(request, pk: int):
    card = get_object_or_404(Scorecard, pk=pk)
    items = list(card.items.select_related("indicator"))
    if card.status == Scorecard.Status.PUBLISHED:
        newer = Scorecard.objects.filter(year=card.year, version__gt=card.version, status=Scorecard.Status.DRAFT)
        context = _edit_context(request, card, item_rows=_item_rows(items), newer_drafts=list(newer))
        if request.method == "POST":
            context["errors"] = [_("A published scorecard cannot change; make a new version of it instead.")]
            return render(request, "reports/scorecard_published.html", context, status=400)
        return render(request, "reports/scorecard_published.html", context)

    initial = {"title": card.title, "show_centre_names": card.show_centre_names}
    if request.method == "POST":
        header = ScorecardHeaderForm(request.POST, initial=initial)
        formset = ItemFormSet(request.POST, prefix="items")
    else:
        header = ScorecardHeaderForm(initial=initial)
        formset = ItemFormSet(initial=item_formset_initial(items), prefix="items")
    errors: list[str] = []
    if request.method == "POST":
        if header.is_valid() and formset.is_valid():
            try:
                scorecard_items_save(
                    scorecard=card,
                    items=formset.items(),
                    title=header.cleaned_data["title"],
                    show_centre_names=header.cleaned_data["show_centre_names"],
                )
            except ValidationError as exc:
                errors = exc.messages
                # Shown again without the empty rows, so "row 2" in a message is the second row on the page.
                formset = ItemFormSet(initial=item_formset_resubmitted(formset), prefix="items")
            else:
                messages.success(request, _("Scorecard saved."))
                return redirect("reports:scorecard_edit", pk=card.pk)
        else:
            errors = [_("Correct the fields marked below.")]
    context = _edit_context(
        request, card, header=header, formset=formset, errors=errors, weight_total=formset.weight_total()
    )
    return render(request, "reports/scorecard_edit.html", context, status=400 if errors else 200)


@bureau_required("publish")
@require_http_methods(["GET", "POST"])
def scorecard_publish(request, pk: int):
    card = get_object_or_404(Scorecard, pk=pk)
    back = reverse("reports:scorecard") + f"?year={card.year}&version={card.version}"
    if card.status == Scorecard.Status.PUBLISHED:
        messages.info(request, _("This scorecard is already published."))
        return redirect(back)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            scorecard_publish_service(scorecard=card, username=request.user.get_username())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("reports:scorecard_edit", pk=card.pk)
        messages.success(request, _("Published: the results are frozen as the figures stand now."))
        return redirect(back)
    items = list(card.items.select_related("indicator"))
    context = {
        **_edit_context(request, card),
        "item_rows": _item_rows(items),
        "weight_total": sum((i.weight for i in items), 0),
        "results": scorecard_results(scorecard=card) if items else [],
    }
    return render(request, "reports/scorecard_publish.html", context)


@bureau_required("edit")
@require_POST
def scorecard_revise(request, pk: int):
    card = get_object_or_404(Scorecard, pk=pk)
    if card.status != Scorecard.Status.PUBLISHED:
        messages.error(request, _("This version is still a draft: change it directly."))
        return redirect("reports:scorecard_edit", pk=card.pk)
    draft = scorecard_revise_service(scorecard=card, username=request.user.get_username())
    messages.success(
        request,
        _("Version %(version)d made from version %(old)d; version %(old)d and its results stay as published.")
        % {"version": draft.version, "old": card.version},
    )
    return redirect("reports:scorecard_edit", pk=draft.pk)


def _raw(value: float | None):
    return "" if value is None else value


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


@bureau_required()
def drill(request, indicator: str, centre: str):
    indicator_obj = get_object_or_404(Indicator, code=indicator)
    target = get_object_or_404(Centre, schema_name=centre, kind=Centre.Kind.CENTRE)
    filters, error = _year_filters(request, "reports/drill.html")
    if error:
        return error
    period = filters.period
    states = centre_states(period=period)
    ids = [s.centre.pk for s in states]
    codes = {indicator_obj.code: indicator_obj}
    grids = facts_grids(
        periods=[period, period.last_year()], codes=[indicator_obj.code], centre_ids=[*ids, target.pk], indicators=codes
    )
    now_grid, before_grid = grids[(period.key, indicator_obj.code)], grids[(period.last_year().key, indicator_obj.code)]
    cell = now_grid.cell(target.pk)
    before = before_grid.cell(target.pk)
    median = _median([now_grid.cell(i).value for i in ids])
    months = months_of(period, timezone.localdate())
    monthly = facts_grids(periods=months, codes=[indicator_obj.code], centre_ids=[*ids, target.pk], indicators=codes)
    trend = []
    for month in months:
        grid = monthly[(month.key, indicator_obj.code)]
        value, month_median = grid.cell(target.pk).value, _median([grid.cell(i).value for i in ids])
        trend.append(
            {
                "period": month,
                "text": format_value(indicator_obj, value),
                "raw": _raw(value),
                "median_text": format_value(indicator_obj, month_median),
                "median_raw": _raw(month_median),
            }
        )
    context = page_context(request, filters)
    card = _chosen_scorecard(request, period.year, context["can_edit"])
    item = None
    shade = None
    frozen_text = ""
    if card is not None:
        item = card.items.filter(indicator=indicator_obj).select_related("indicator").first()
    if item is not None:
        frozen = None
        if card.status == Scorecard.Status.PUBLISHED:
            frozen = card.results.filter(centre=target).values_list("cells", flat=True).first()
        frozen_cell = (frozen or {}).get(indicator_obj.code)
        shade = frozen_cell["colour"] if frozen_cell else colour(item, cell.value)
        if frozen_cell and frozen_cell.get("value") != cell.value:
            frozen_text = format_value(indicator_obj, frozen_cell.get("value"))
    context |= {
        "indicator": indicator_obj,
        "target": target,
        "period": period,
        "cell": cell,
        "value": format_value(indicator_obj, cell.value),
        "has_parts": cell.numerator is not None or cell.denominator is not None,
        "median": format_value(indicator_obj, median),
        "centre_count": sum(1 for i in ids if now_grid.cell(i).value is not None),
        "before": format_value(indicator_obj, before.value),
        "trend": trend,
        "percent": PERCENT.get(indicator_obj.kind, "false"),
        "scorecard": card,
        "item": item,
        "item_texts": {name: format_value(indicator_obj, getattr(item, name)) for name in ("target", "green", "amber")}
        if item
        else {},
        "colour": shade,
        "frozen_text": frozen_text,
        "colour_label": COLOUR_LABELS.get(shade or "", ""),
        **as_of_context([s for s in states if s.centre.pk == target.pk]),
        "back": reverse("reports:scorecard") + (f"?year={period.year}&version={card.version}" if card else ""),
    }
    return render(request, "reports/drill.html", context)


@bureau_required()
def actions(request):
    try:
        parsed = filters_parse(request.GET)
    except PeriodError as exc:
        return render(request, "reports/actions.html", {**page_context(request), "error": str(exc)}, status=400)
    filters = Filters(period=Period(parsed.period.year), centres=parsed.centres)
    rows = improvement_actions(year=filters.period.year)
    if filters.centres:
        rows = [a for a in rows if a.centre.schema_name in filters.centres]
    today = timezone.localdate()
    for action in rows:
        action.overdue = action.status != action.Status.DONE and action.due_on < today
    context = {
        **page_context(request, filters),
        "year": filters.period.year,
        "rows": rows,
        "all_centres": Centre.objects.filter(kind=Centre.Kind.CENTRE).order_by("schema_name"),
    }
    return render(request, "reports/actions.html", context)


urlpatterns = [
    path("reports/scorecard/", scorecard, name="scorecard"),
    path("reports/scorecard/new/", scorecard_create, name="scorecard_create"),
    path("reports/scorecard/<int:pk>/edit/", scorecard_edit, name="scorecard_edit"),
    path("reports/scorecard/<int:pk>/publish/", scorecard_publish, name="scorecard_publish"),
    path("reports/scorecard/<int:pk>/revise/", scorecard_revise, name="scorecard_revise"),
    path("reports/drill/<slug:indicator>/<slug:centre>/", drill, name="drill"),
    path("reports/actions/", actions, name="actions"),
]
