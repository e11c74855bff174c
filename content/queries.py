"""Reads the page models themselves need (section listings, sign-up counts, the cadre's session), below both the
models and the selectors: this module imports no content model, so the models never import the selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import Count, DateTimeField, Model, Q, QuerySet

SESSION_KEY = "cadre_id"


def cadre_session_salt() -> str:
    """Signatures are per centre: a value copied from one centre's session means nothing on another."""
    return f"content.cadre-session:{connection.schema_name}"  # type: ignore[attr-defined]  # django-tenants' connection


def cadre_session_id(request: Any) -> int | None:
    """The logged-in cadre's id, if the session carries a valid signature of this centre."""
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    if not value:
        return None
    try:
        return int(signing.loads(value, salt=cadre_session_salt()))
    except (signing.BadSignature, TypeError, ValueError):
        return None


# ---------------------------------------------------------------- section listings


@dataclass
class SectionListing:
    items: QuerySet
    categories: list[tuple[str, str]] = field(default_factory=list)
    category: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    has_dates: bool = False


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def section_items(*, section: Any, params: Any) -> SectionListing:
    """The live items of a section, newest first, filtered by `category` and a `from`/`to` date range."""
    model = section.item_model
    where = Q(path__startswith=section.path, depth=section.depth + 1)  # child_of(section), by path
    if section.kind == section.Kind.NOTICES:
        # Notices may also sit straight under the home page (the first ones did): the section's siblings.
        where |= Q(path__startswith=section.path[: -section.steplen], depth=section.depth)
    items = model.objects.live().public().filter(where)
    category_field = model._meta.get_field("category")
    categories = [(str(value), str(label)) for value, label in category_field.choices or []]
    category = params.get("category", "")
    if category in {value for value, _label in categories}:
        items = items.filter(category=category)
    else:
        category = ""
    date_field = getattr(model, "date_field", None)
    date_from, date_to = _date(params.get("from")), _date(params.get("to"))
    if date_field:
        lookup = f"{date_field}__date" if isinstance(model._meta.get_field(date_field), DateTimeField) else date_field
        if date_from:
            items = items.filter(**{f"{lookup}__gte": date_from})
        if date_to:
            items = items.filter(**{f"{lookup}__lte": date_to})
        items = items.order_by(f"-{date_field}", "-pk")
    else:
        items = items.order_by("category", "title", "pk")
    return SectionListing(
        items=items,
        categories=categories,
        category=category,
        date_from=date_from if date_field else None,
        date_to=date_to if date_field else None,
        has_dates=bool(date_field),
    )


# ---------------------------------------------------------------- sign-ups of one page


def signup_counts(*, signups: QuerySet) -> dict[str, int]:
    """Places taken and people waiting among one page's sign-ups, in one query."""
    status = signups.model.Status
    counts = signups.aggregate(
        signed_up=Count("pk", filter=Q(status=status.SIGNED_UP)),
        waiting=Count("pk", filter=Q(status=status.WAITING)),
    )
    return {"signed_up": counts["signed_up"], "waiting": counts["waiting"]}


def signup_for_cadre(*, signups: QuerySet, cadre_id: int) -> Model | None:
    """The cadre's live sign-up among one page's sign-ups (the newest, if any)."""
    return (
        signups.filter(cadre_id=cadre_id).exclude(status=signups.model.Status.CANCELLED).order_by("-created_at").first()
    )
