"""Cadres log in to the public site by a one-time code sent by SMS, or by the access code the centre hands out.

The cadre's session is separate from staff log-in: a signed `cadre_id` in the (per-centre) session, never a Django
user. Codes are stored as keyed hashes; requests are throttled per phone and per address in the (per-centre) cache.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from content.models import CadreAccessCode, CadreLoginCode
from content.selectors import SESSION_KEY, cadre_session_salt
from registry.selectors import cadre_by_phone, cadre_served_by_id, phone_digits
from tenants.ratelimit import Limit, rate_limit_count, rate_limit_exceeded

logger = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Code requests: 3 an hour per phone, 10 an hour per address (a whole rest home may share one address).
PHONE_SEND_LIMIT = Limit(scope="cadre-code-phone", limit=3, window=3600)
ADDRESS_SEND_LIMIT = Limit(scope="cadre-code-address", limit=10, window=3600)
# Wrong access codes or SMS codes: 10 per 10 minutes per address.
ADDRESS_VERIFY_LIMIT = Limit(scope="cadre-verify-address", limit=10, window=600)
MOBILE = re.compile(r"^1\d{10}$")
ACCESS_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by people in their 80s


def _phone_hash(phone: str) -> str:
    return salted_hmac("content.cadre-phone", phone, algorithm="sha256").hexdigest()


def _code_hash(phone_hash: str, code: str) -> str:
    return salted_hmac("content.cadre-code", f"{phone_hash}:{code}", algorithm="sha256").hexdigest()


def _mobile(phone: str) -> str:
    digits = phone_digits(phone)
    if not MOBILE.fullmatch(digits):
        raise ValidationError(_("Please enter an 11-digit mobile number."))
    return digits


def login_code_send(*, phone: str, address: str) -> None:
    """Send a log-in code to the cadre with this mobile; the answer is the same whether or not one has it."""
    from notifications.channels import ChannelError, channel_get

    mobile = _mobile(phone)
    phone_hash = _phone_hash(mobile)
    if rate_limit_exceeded(limit=PHONE_SEND_LIMIT, ident=phone_hash) or rate_limit_exceeded(
        limit=ADDRESS_SEND_LIMIT, ident=address
    ):
        raise ValidationError(_("Too many codes were asked for. Please try again in an hour, or call the centre."))
    rate_limit_count(limit=PHONE_SEND_LIMIT, ident=phone_hash)
    rate_limit_count(limit=ADDRESS_SEND_LIMIT, ident=address)
    cadre = cadre_by_phone(mobile)
    if cadre is None:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        CadreLoginCode.objects.filter(phone_hash=phone_hash, used_at__isnull=True).update(used_at=now)
        row = CadreLoginCode.objects.create(
            cadre=cadre, phone_hash=phone_hash, code_hash=_code_hash(phone_hash, code), expires_at=now + CODE_TTL
        )
        text = _("Your log-in code is %(code)s, valid for 10 minutes. Do not tell it to anyone.") % {"code": code}
        key = f"cadre-login:{connection.schema_name}:{row.pk}"  # type: ignore[attr-defined]  # django-tenants' connection

        def send() -> None:
            try:
                channel_get("sms").send(address=mobile, subject="", body=text, key=key, secret=code)
            except ChannelError:
                logger.warning("log-in code %s not sent", key, exc_info=True)

        transaction.on_commit(send)


def login_code_verify(*, phone: str, code: str, address: str) -> int:
    """The id of the cadre whose newest code this is; wrong, expired or used-up codes are refused."""
    mobile = _mobile(phone)
    if rate_limit_exceeded(limit=ADDRESS_VERIFY_LIMIT, ident=address):
        raise ValidationError(_("Too many wrong tries. Please wait ten minutes."))
    phone_hash = _phone_hash(mobile)
    now = timezone.now()
    with transaction.atomic():
        row = (
            CadreLoginCode.objects.select_for_update()
            .filter(phone_hash=phone_hash, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            outcome = "missing"
        elif row.expires_at <= now:
            outcome = "expired"
        elif row.attempts >= MAX_ATTEMPTS:
            outcome = "exhausted"
        else:
            row.attempts += 1
            good = constant_time_compare(_code_hash(phone_hash, (code or "").strip()), row.code_hash)
            if good:
                row.used_at = now
            row.save(update_fields=["attempts", "used_at"])
            outcome = "ok" if good else "wrong"
    if outcome == "ok" and row is not None and cadre_served_by_id(row.cadre_id) is not None:
        return row.cadre_id
    rate_limit_count(limit=ADDRESS_VERIFY_LIMIT, ident=address)
    messages = {
        "expired": _("The code has expired. Please ask for a new one."),
        "exhausted": _("The code was entered wrongly too many times. Please ask for a new one."),
        "wrong": _("The code is not right. Please check it and try again."),
    }
    raise ValidationError(messages.get(outcome, _("Please ask for a code first.")))


def _access_code_normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def access_code_issue(*, cadre_id: int, user=None) -> str:
    """A new access code for a cadre (an older one stops working); the only time it is shown in full."""
    if cadre_served_by_id(cadre_id) is None:
        raise ValidationError(_("There is no such cadre served by this centre."))
    with transaction.atomic():
        while True:
            selector = "".join(secrets.choice(ACCESS_ALPHABET) for _n in range(4))
            if not CadreAccessCode.objects.filter(selector=selector).exclude(cadre_id=cadre_id).exists():
                break
        secret = "".join(secrets.choice(ACCESS_ALPHABET) for _n in range(8))
        CadreAccessCode.objects.update_or_create(
            cadre_id=cadre_id,
            defaults={
                "selector": selector,
                "secret_hash": make_password(secret),
                "created_at": timezone.now(),
                "created_by": user if getattr(user, "pk", None) else None,
            },
        )
    full = selector + secret
    return "-".join(full[i : i + 4] for i in range(0, 12, 4))


def access_code_verify(*, code: str, address: str) -> int:
    """The id of the cadre this access code belongs to; anything else is refused with one message."""
    if rate_limit_exceeded(limit=ADDRESS_VERIFY_LIMIT, ident=address):
        raise ValidationError(_("Too many wrong tries. Please wait ten minutes."))
    plain = _access_code_normalise(code)
    row = CadreAccessCode.objects.filter(selector=plain[:4]).first() if len(plain) == 12 else None
    if row is not None and check_password(plain[4:], row.secret_hash) and cadre_served_by_id(row.cadre_id):
        return row.cadre_id
    rate_limit_count(limit=ADDRESS_VERIFY_LIMIT, ident=address)
    raise ValidationError(_("The access code is not right. Please check it, or ask the centre for a new one."))


def cadre_session_start(*, request, cadre_id: int) -> None:
    """Log the cadre in on this centre's site (a new session key, so an old cookie cannot be planted)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = signing.dumps(cadre_id, salt=cadre_session_salt())


def cadre_session_end(*, request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
