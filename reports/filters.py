"""The filters of every report page and API call: period, centres, level and kind, kept in the URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from reports.periods import Period, PeriodError, period_make
from tenants.models import Centre

LEVELS = ("division", "regiment", "nco")
KINDS = ("lixiu", "tuixiu")


@dataclass
class Filters:
    period: Period
    centres: list[str] = field(default_factory=list)
    level: str = ""
    kind: str = ""

    def query(self, **override) -> str:
        """The URL query that keeps these filters (with some replaced)."""
        values = {
            "year": self.period.year,
            "quarter": self.period.number if self.period.type == "quarter" else "",
            "month": self.period.number if self.period.type == "month" else "",
            "centre": self.centres,
            "level": self.level,
            "kind": self.kind,
        }
        values.update(override)
        pairs = []
        for key, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                if item not in ("", None):
                    pairs.append((key, item))
        return "?" + urlencode(pairs) if pairs else ""


def _int(params, name: str, label: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        raise PeriodError(_("%(label)s must be a whole number, not “%(value)s”.") % {"label": label, "value": raw[:20]})
    return int(raw)


def filters_parse(params) -> Filters:
    """Read the filters from a query; refuse what doesn't exist with a message in Chinese (PeriodError)."""
    year = _int(params, "year", _("The year")) or timezone.localdate().year
    period = period_make(
        year=year, quarter=_int(params, "quarter", _("The quarter")), month=_int(params, "month", _("The month"))
    )
    centres = sorted({c.strip() for c in params.getlist("centre") if c.strip()})
    if centres:
        known = set(
            Centre.objects.filter(kind=Centre.Kind.CENTRE, schema_name__in=centres).values_list(
                "schema_name", flat=True
            )
        )
        unknown = [c for c in centres if c not in known]
        if unknown:
            raise PeriodError(_("No centre with the code %(codes)s.") % {"codes": "、".join(u[:40] for u in unknown)})
    level = (params.get("level") or "").strip()
    if level and level not in LEVELS:
        raise PeriodError(_("Not a level: “%(value)s”.") % {"value": level[:40]})
    kind = (params.get("kind") or "").strip()
    if kind and kind not in KINDS:
        raise PeriodError(_("Not a kind of retirement: “%(value)s”.") % {"value": kind[:40]})
    if level and kind:
        raise PeriodError(
            _("Choose a level or a kind of retirement, not both: the figures are not broken down by both.")
        )
    return Filters(period=period, centres=centres, level=level, kind=kind)
