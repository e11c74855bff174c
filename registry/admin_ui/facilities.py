"""Facilities against Table 1 of the standard (minimum room areas by cadre-count band) and 4.2.5 (≥ 10 m² per cadre)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from registry.models import Cadre, FacilityRoom, RestHome

# Minimum floor area (m²) per room type for 50–100 / 101–300 / 301+ cadres; under 50 "as needed".
TABLE_1: dict[str, tuple[int, int, int]] = {
    FacilityRoom.RoomType.CALLIGRAPHY: (24, 36, 48),
    FacilityRoom.RoomType.CHESS: (12, 24, 24),
    FacilityRoom.RoomType.GYM: (24, 36, 48),
    FacilityRoom.RoomType.COMPUTER: (12, 24, 36),
    FacilityRoom.RoomType.ARCHIVE: (15, 20, 20),
    FacilityRoom.RoomType.HONOUR: (24, 24, 36),
    FacilityRoom.RoomType.MEETING: (100, 160, 300),
    FacilityRoom.RoomType.READING: (24, 36, 48),
}
BANDS = [(50, 100, _("50–100 cadres")), (101, 300, _("101–300 cadres")), (301, None, _("301 cadres and more"))]
AREA_PER_CADRE = Decimal(10)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RoomCheck:
    room_type: str
    label: str
    area: Decimal
    minimum: int | None  # None: under 50 cadres, "as needed"
    ok: bool | None


@dataclass(frozen=True)
class FacilityCompliance:
    cadre_count: int
    band: int | None  # index into BANDS, None under 50
    band_label: str
    rooms: list[RoomCheck]
    building_area: Decimal
    area_per_cadre: Decimal | None  # None without cadres
    area_ok: bool | None

    @property
    def rooms_short(self) -> int:
        return sum(1 for room in self.rooms if room.ok is False)


def cadre_band(cadre_count: int) -> int | None:
    """Index of the Table 1 band for this many cadres; None under 50 (rooms as needed)."""
    for index, (low, high, _label) in enumerate(BANDS):
        if cadre_count >= low and (high is None or cadre_count <= high):
            return index
    return None


def facility_compliance(
    *, cadre_count: int, building_area: Decimal, room_areas: dict[str, Decimal]
) -> FacilityCompliance:
    """Each Table 1 room type (total floor area of its rooms) against the band's minimum, and area per cadre."""
    band = cadre_band(cadre_count)
    rooms = []
    for room_type, minimums in TABLE_1.items():
        area = Decimal(room_areas.get(room_type, 0))
        minimum = None if band is None else minimums[band]
        rooms.append(
            RoomCheck(
                room_type=room_type,
                label=str(FacilityRoom.RoomType(room_type).label),
                area=area,
                minimum=minimum,
                ok=None if minimum is None else area >= minimum,
            )
        )
    building_area = Decimal(building_area)
    per_cadre = (building_area / cadre_count).quantize(CENT, ROUND_HALF_UP) if cadre_count else None
    return FacilityCompliance(
        cadre_count=cadre_count,
        band=band,
        band_label=str(_("under 50 cadres (as needed)") if band is None else BANDS[band][2]),
        rooms=rooms,
        building_area=building_area,
        area_per_cadre=per_cadre,
        area_ok=None if per_cadre is None else building_area >= AREA_PER_CADRE * cadre_count,
    )


def centre_facility_compliance() -> FacilityCompliance:
    """The current centre's figures: served cadres, rest homes' building area, room areas by type."""
    areas = FacilityRoom.objects.values_list("room_type").annotate(total=Sum("floor_area")).order_by()
    return facility_compliance(
        cadre_count=Cadre.objects.filter(state=Cadre.State.ACTIVE).count(),
        building_area=RestHome.objects.aggregate(total=Sum("building_area"))["total"] or Decimal(0),
        room_areas=dict(areas),
    )
