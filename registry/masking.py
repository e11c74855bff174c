"""How personal data is shown to someone who may not see it in full."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """310101194005011234 → 310***********1234."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


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
