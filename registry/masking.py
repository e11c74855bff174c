"""How personal data is shown to someone who may not see it in full."""

from __future__ import annotations

# Why an ID number shows only its last character to someone without the identity permission.
#
# An 18-character resident ID is region (6 digits) + birth date (8) + sequence (3, the last one odd for men) + a
# check character (MOD 11-2 of the first 17). Beside the mask, such a person sees the cadre's age, gender and rest
# home, never the birth date. Take the worst case: the region is the centre's own district (known from the rest home)
# and the birthday is known from elsewhere (a birthday visit). What is left is the sequence: 1,000 numbers, 500 of
# them of the cadre's gender.
#   - first 3 + last 4 (the old mask) shows the whole sequence and the check character: 1 candidate. With the age
#     only (366 possible birth days) it leaves 366 / 11 ≈ 33, and a yes/no search found the number in under 20 tries.
#   - the last 2 characters (sequence digit 3 and check) leave 100 / 11 ≈ 9 candidates.
#   - the last character alone leaves 500 / 11 ≈ 45 candidates with a known birthday, and 366 × 500 / 11 ≈ 16,600
#     with the age alone; exact-ID search is refused to such roles, so none of them can be checked here.
# The one character shown still lets staff tell two people of the same name apart at a glance, 10 times in 11.
ID_VISIBLE_TAIL = 1


def mask_id_number(value: str | None) -> str:
    """310101194005011234 → *****************4 (see above for why only the last character)."""
    if not value:
        return ""
    if len(value) <= ID_VISIBLE_TAIL + 6:
        return "*" * len(value)
    return "*" * (len(value) - ID_VISIBLE_TAIL) + value[-ID_VISIBLE_TAIL:]


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; 021-63210000 → 021*****0000."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    """Keeps the district-level start, hides the rest: 上海市黄浦区……."""
    if not value:
        return ""
    return value[:6] + "****"


def mask_text(value: str | None) -> str:
    """Free text such as health findings: hidden entirely."""
    return "******" if value else ""


MASKS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address, "text": mask_text}
