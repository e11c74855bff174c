"""Sign-ups for activities and enrolment in courses: places, a waiting list, cancellation that moves it up."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from content.models import ActivityPage, CoursePage, SignUp
from registry.selectors import cadre_served_by_id
from tenants.tasks import centre_task_enqueue, centre_task_schedule_once

logger = logging.getLogger(__name__)

SIGNUP_MODELS: tuple[type[ActivityPage] | type[CoursePage], ...] = (ActivityPage, CoursePage)


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "Y年n月j日 H:i")


def _page_locked(page_id: int) -> ActivityPage | CoursePage | None:
    """The live activity or course, its own row locked: sign-ups and cancellations of one page queue here."""
    for model in SIGNUP_MODELS:
        page = model.objects.select_for_update(of=("self",)).filter(pk=page_id, live=True).first()
        if page is not None:
            return page
    return None


def _refusal(page: ActivityPage | CoursePage, now: dt.datetime) -> str | None:
    state = page.signup_state(now)
    if state == "started":
        return _("This activity has already started; sign-up is over.")
    if state == "not_open":
        return _("Sign-up opens at %(time)s.") % {"time": _when(page.window_opens)}
    if state == "closed":
        return _("Sign-up closed at %(time)s.") % {"time": _when(page.window_closes)}
    return None


def signup_create(*, page_id: int, cadre_id: int, now: dt.datetime | None = None) -> SignUp:
    """Sign a cadre up: a place while there is one, else the waiting list; refused with the reason in Chinese."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            page = _page_locked(page_id)
            if page is None:
                raise ValidationError(_("There is no such activity or course."))
            if cadre_served_by_id(cadre_id) is None:
                raise ValidationError(_("Only cadres served by this centre can sign up."))
            reason = _refusal(page, now)
            if reason:
                raise ValidationError(reason)
            existing = SignUp.objects.filter(page_id=page.pk, cadre_id=cadre_id).exclude(status=SignUp.Status.CANCELLED)
            current = existing.values_list("status", flat=True).first()
            if current == SignUp.Status.SIGNED_UP:
                raise ValidationError(_("You have already signed up for this."))
            if current == SignUp.Status.WAITING:
                raise ValidationError(_("You are already on the waiting list for this."))
            taken = SignUp.objects.filter(page_id=page.pk, status=SignUp.Status.SIGNED_UP).count()
            status = SignUp.Status.SIGNED_UP if taken < page.capacity else SignUp.Status.WAITING
            return SignUp.objects.create(page_id=page.pk, cadre_id=cadre_id, status=status, created_at=now)
    except IntegrityError as exc:  # the one-active-sign-up constraint: a double click that raced itself
        raise ValidationError(_("You have already signed up for this.")) from exc


@transaction.atomic
def signup_cancel(*, signup_id: int, cadre_id: int, now: dt.datetime | None = None) -> SignUp | None:
    """Cancel a cadre's own sign-up; a freed place goes to the first on the waiting list, who is returned."""
    now = now or timezone.now()
    page_id = SignUp.objects.filter(pk=signup_id, cadre_id=cadre_id).values_list("page_id", flat=True).first()
    page = _page_locked(page_id) if page_id else None
    signup = (
        SignUp.objects.select_for_update().filter(pk=signup_id, cadre_id=cadre_id).first() if page is not None else None
    )
    if page is None or signup is None or signup.status == SignUp.Status.CANCELLED:
        raise ValidationError(_("There is no such sign-up to cancel."))
    if page.signup_state(now) == "started":
        raise ValidationError(_("The activity has started; please tell the centre by phone instead."))
    freed = signup.status == SignUp.Status.SIGNED_UP
    signup.status, signup.cancelled_at = SignUp.Status.CANCELLED, now
    signup.save(update_fields=["status", "cancelled_at", "changed_at"])
    if not freed:
        return None
    taken = SignUp.objects.filter(page_id=page.pk, status=SignUp.Status.SIGNED_UP).count()
    if taken >= page.capacity:
        return None
    first = SignUp.objects.filter(page_id=page.pk, status=SignUp.Status.WAITING).order_by("created_at", "pk").first()
    if first is None:
        return None
    first.status, first.promoted_at = SignUp.Status.SIGNED_UP, now
    first.save(update_fields=["status", "promoted_at", "changed_at"])
    schema, promoted = connection.schema_name, first.pk  # type: ignore[attr-defined]  # django-tenants' connection
    transaction.on_commit(
        lambda: centre_task_enqueue(schema_name=schema, func=PROMOTION_TELL, kwargs={"signup_id": promoted})
    )
    return first


PROMOTION_TELL = "content.tasks.signup_promotion_tell"


def signup_promotion_tell(*, signup_id: int, now: dt.datetime | None = None) -> str:
    """Tell a cadre by SMS that a place came free for them — once, and not at night (held until 08:00)."""
    from notifications.channels import ChannelError, channel_get, quiet_hours_end

    now = now or timezone.now()
    morning = quiet_hours_end(now=now)
    if morning is not None:
        schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
        centre_task_schedule_once(
            schema_name=schema,
            name=f"signup-promoted-{schema}-{signup_id}",
            func=PROMOTION_TELL,
            when=morning,
            kwargs={"signup_id": signup_id},
        )
        return "held"
    with transaction.atomic():  # claimed before sending: at most once, even if two workers run it
        claimed = SignUp.objects.filter(
            pk=signup_id, status=SignUp.Status.SIGNED_UP, promotion_told_at__isnull=True, promoted_at__isnull=False
        ).update(promotion_told_at=now)
    if not claimed:
        return "skipped"
    signup = SignUp.objects.select_related("page").get(pk=signup_id)
    cadre = cadre_served_by_id(signup.cadre_id)
    if cadre is None or not cadre.mobile:
        return "no mobile"
    text = _(
        "Dear %(name)s, a place has come free: you are now signed up for “%(title)s”. If you cannot go, please "
        "cancel it under “My sign-ups” or call the centre."
    ) % {"name": cadre.name, "title": signup.page.title}
    try:
        channel_get("sms").send(address=cadre.mobile, subject="", body=text, key=f"signup-promoted:{signup_id}")
    except ChannelError:
        logger.warning("promotion of sign-up %s not told", signup_id, exc_info=True)
        return "failed"
    return "sent"
