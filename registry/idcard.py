"""Chinese resident ID numbers (GB 11643): validation, 15 → 18 digit upgrade, birth date and gender.

python-stdnum's validate() is not used: it refuses real IDs of people born before their district code existed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARS = "10X98765432"
# Province-level prefixes (current, plus Taiwan 71 and the SARs 81/82 used on residence permits).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
AREA_CODES_FILE = Path(__file__).resolve().parent / "data" / "shanghai_area_codes.json"


@dataclass(frozen=True)
class ResidentId:
    number: str  # 18 characters, upper-case X
    birth_date: dt.date
    gender: str  # "M" or "F"
    area_code: str


@cache
def shanghai_area_codes() -> dict[str, dict]:
    """Shanghai's county-level codes, with the years each was in use (including abolished ones)."""
    return {row["code"]: row for row in json.loads(AREA_CODES_FILE.read_text(encoding="utf-8"))["codes"]}


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _birth_date(text: str) -> dt.date:
    try:
        born = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) does not exist.") % {"date": text}
        ) from None
    if born.year < 1880 or born > dt.date.today():  # noqa: DTZ011 - a calendar date, not a moment
        raise ValidationError(_("The birth date in the ID number (%(date)s) is impossible.") % {"date": text})
    return born


def _check_area(area: str) -> None:
    if area[:2] not in PROVINCES:
        raise ValidationError(_("The ID number starts with an unknown region code %(code)s.") % {"code": area[:2]})
    if area.startswith("31") and area not in shanghai_area_codes():
        raise ValidationError(_("%(code)s is not a Shanghai district or county code.") % {"code": area})


def resident_id_parse(value: str) -> ResidentId:
    """Validate a resident ID number (18 digits, or a legacy 15-digit one, upgraded) or raise ValidationError."""
    if not isinstance(value, str):
        raise ValidationError(_("The ID number must be text, not a number."))
    number = value.strip().replace(" ", "").upper()
    if len(number) == 15 and number.isdigit():
        number = number[:6] + "19" + number[6:]
        number += check_char(number)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."))
    _check_area(number[:6])
    born = _birth_date(number[6:14])
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("The check digit of the ID number is wrong; please check every digit."))
    return ResidentId(number=number, birth_date=born, gender="M" if int(number[16]) % 2 else "F", area_code=number[:6])


def resident_id_make(area: str, birth_date: dt.date, sequence: int) -> str:
    """A valid 18-digit number (for synthetic demo and test people)."""
    first17 = f"{area}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
