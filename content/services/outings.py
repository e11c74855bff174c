"""The same-day return report of an outing (5.9.4): everyone who went out came back, or who did not and why."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import ActivityPage, OutingReturn


@transaction.atomic
def outing_return_record(*, activity_id: int, participants: int, returned: int, note: str = "", user=None):
    """Record (or correct) an outing's return report."""
    activity = ActivityPage.objects.filter(pk=activity_id, outing=True).first()
    if activity is None:
        raise ValidationError(_("There is no such outing."))
    now = timezone.now()
    if activity.start > now:
        raise ValidationError(_("The outing has not started yet."))
    errors = {}
    if participants < 0 or returned < 0:
        errors["returned"] = _("Numbers cannot be negative.")
    elif returned > participants:
        errors["returned"] = _("More people cannot return than went out.")
    if returned < participants and not (note or "").strip():
        errors["note"] = _("Say who has not returned and what is being done.")
    if errors:
        raise ValidationError(errors)
    report, _created = OutingReturn.objects.update_or_create(
        activity=activity,
        defaults={
            "participants": participants,
            "returned": returned,
            "note": (note or "").strip(),
            "reported_at": now,
            "reported_by": user if getattr(user, "pk", None) else None,
        },
    )
    return report
