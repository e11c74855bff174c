"""Channels a reminder goes out through, all behind one interface: inbox, e-mail, SMS, WeCom group robot.

Settings: JUNXIU_CHANNELS ({name: dotted path}, adds or replaces channels), JUNXIU_SMS_BACKEND (dotted path; default
the file backend), JUNXIU_SMS_FILE (where the file backend appends), JUNXIU_SMS_ALIYUN / JUNXIU_SMS_TENCENT (dicts of
credentials, sign name and template), JUNXIU_WECOM_WEBHOOK (the robot URL used when a delivery has no address).
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.utils.module_loading import import_string

TIMEOUT_SECONDS = 10
console = logging.getLogger("notifications.sms")


# No SMS at night (Asia/Shanghai) unless a user sets quiet hours of their own.
QUIET_HOURS = (dt.time(21, 0), dt.time(8, 0))


def quiet_hours_end(*, now: dt.datetime, window: tuple[dt.time, dt.time] = QUIET_HOURS) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (local time), or None outside them; a window may wrap midnight."""
    start, end = window
    if start == end:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    moment = local.time()
    if start < end:
        inside, day = start <= moment < end, local.date()
    else:  # the window wraps midnight, e.g. 21:00–08:00
        inside = moment >= start or moment < end
        day = local.date() if moment < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone) if inside else None


class ChannelError(Exception):
    """A message could not be sent; `retryable` says whether trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


class Channel:
    """Send one message; return the provider's message id, or raise ChannelError.

    `secret` names the part of the body that must not be kept anywhere staff can read (a log-in code): channels
    that store or write the message keep it masked (SECRET_MASK); only the recipient gets it in clear.
    """

    name: str = ""
    # True when sending the same key twice cannot reach the person twice, so an interrupted send may be repeated.
    idempotent: bool = False

    def send(self, *, address: str, subject: str, body: str, key: str, secret: str = "") -> str:
        raise NotImplementedError


class InboxChannel(Channel):
    """In-app inbox: the Delivery row itself is the message, so there is nothing to send."""

    name = "inbox"
    idempotent = True

    def send(self, *, address: str, subject: str, body: str, key: str, secret: str = "") -> str:
        return f"inbox:{key}"


class EmailChannel(Channel):
    """E-mail through the configured EMAIL_BACKEND; the idempotency key travels in a header."""

    name = "email"

    def send(self, *, address: str, subject: str, body: str, key: str, secret: str = "") -> str:
        if not address:
            raise ChannelError("no e-mail address", retryable=False)
        message_id = make_msgid(domain=settings.JUNXIU_BASE_DOMAIN)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"Message-ID": message_id, "X-Junxiu-Key": key},
        )
        try:
            message.send(fail_silently=False)
        except OSError as exc:  # SMTP errors and refused connections: the server may be back later
            raise ChannelError(f"e-mail not sent: {exc}", retryable=True) from exc
        return message_id


def _post(request: urllib.request.Request) -> Any:
    """POST and decode a JSON answer; network trouble and 5xx are retryable, other HTTP errors are not."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - https/http only
            return json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code}", retryable=exc.code >= 500 or exc.code == 429) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(str(getattr(exc, "reason", exc))[:500], retryable=True) from exc
    except ValueError as exc:
        raise ChannelError("the provider's answer is not JSON", retryable=False) from exc


SECRET_MASK = "******"  # noqa: S105 - a mask, not a password


def secret_masked(text: str, secret: str) -> str:
    """The text with every occurrence of the secret replaced by the mask."""
    return text.replace(secret, SECRET_MASK) if secret else text


class SmsBackend:
    """Send one text message to one phone number; return the provider's id or raise ChannelError."""

    def send(self, *, phone: str, text: str, key: str, secret: str = "") -> str:
        raise NotImplementedError


class FileSmsBackend(SmsBackend):
    """Development and tests: append one JSON line per message to a file (VAR_DIR/sms/sms.jsonl by default).

    The file is an outbox other staff may read, so a secret (a log-in code) is written masked; the clear text goes
    only to the developer's console (the `notifications.sms` logger at INFO), and only with JUNXIU_SMS_CONSOLE on.
    """

    def path(self) -> Path:
        configured = getattr(settings, "JUNXIU_SMS_FILE", "")
        return Path(configured) if configured else Path(settings.VAR_DIR) / "sms" / "sms.jsonl"

    def send(self, *, phone: str, text: str, key: str, secret: str = "") -> str:
        path = self.path()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": key, "phone": phone, "text": secret_masked(text, secret)}, ensure_ascii=False) + "\n"
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several workers append to one file
            handle.write(line)
        if secret and getattr(settings, "JUNXIU_SMS_CONSOLE", False):
            console.info("SMS %s to %s: %s", key, phone, text)
        return f"file:{key}"


def _aliyun_quote(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


class AliyunSmsBackend(SmsBackend):
    """Aliyun SMS (dysmsapi SendSms, RPC signature v1 HMAC-SHA1); the text is the template's `content` parameter."""

    endpoint = "https://dysmsapi.aliyuncs.com/"

    def __init__(self, config: dict[str, str] | None = None):
        self.config = config if config is not None else getattr(settings, "JUNXIU_SMS_ALIYUN", {})

    def build_request(
        self, *, phone: str, text: str, key: str, now: dt.datetime | None = None, nonce: str | None = None
    ) -> urllib.request.Request:
        """The signed POST request for one message."""
        now = now or dt.datetime.now(dt.UTC)
        params = {
            "AccessKeyId": self.config["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": key,
            "PhoneNumbers": phone,
            "RegionId": self.config.get("region", "cn-hangzhou"),
            "SignName": self.config["sign_name"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": self.config["template_code"],
            "TemplateParam": json.dumps({self.config.get("param", "content"): text}, ensure_ascii=False),
            "Timestamp": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        canonical = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(v)}" for k, v in sorted(params.items()))
        to_sign = f"POST&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
        digest = hmac.new(f"{self.config['access_key_secret']}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        params["Signature"] = base64.b64encode(digest).decode()
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        return urllib.request.Request(  # noqa: S310 - fixed https endpoint
            self.config.get("endpoint", self.endpoint),
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            method="POST",
        )

    def send(self, *, phone: str, text: str, key: str, secret: str = "") -> str:
        answer = _post(self.build_request(phone=phone, text=text, key=key))
        if answer.get("Code") == "OK":
            return str(answer.get("BizId", ""))
        code = str(answer.get("Code", ""))
        retryable = (
            code.startswith(("isv.BUSINESS_LIMIT_CONTROL", "Throttling", "isp.")) or code == "SignatureNonceUsed"
        )
        raise ChannelError(f"Aliyun {code}: {answer.get('Message', '')}", retryable=retryable)


class TencentSmsBackend(SmsBackend):
    """Tencent Cloud SMS (SendSms 2021-01-11, TC3-HMAC-SHA256); the text is the template's only parameter."""

    host = "sms.tencentcloudapi.com"
    service = "sms"

    def __init__(self, config: dict[str, str] | None = None):
        self.config = config if config is not None else getattr(settings, "JUNXIU_SMS_TENCENT", {})

    def build_request(
        self, *, phone: str, text: str, key: str, now: dt.datetime | None = None
    ) -> urllib.request.Request:
        """The signed POST request for one message."""
        now = now or dt.datetime.now(dt.UTC)
        timestamp = int(now.timestamp())
        date = now.astimezone(dt.UTC).strftime("%Y-%m-%d")
        number = phone if phone.startswith("+") else f"+86{phone}"
        payload = json.dumps(
            {
                "PhoneNumberSet": [number],
                "SmsSdkAppId": self.config["sdk_app_id"],
                "SignName": self.config["sign_name"],
                "TemplateId": self.config["template_id"],
                "TemplateParamSet": [text],
                "SessionContext": key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        content_type = "application/json; charset=utf-8"
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                f"content-type:{content_type}\nhost:{self.host}\n",
                "content-type;host",
                hashlib.sha256(payload.encode()).hexdigest(),
            ]
        )
        scope = f"{date}/{self.service}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signing_key = f"TC3{self.config['secret_key']}".encode()
        for part in (date, self.service, "tc3_request"):
            signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        authorization = (
            f"TC3-HMAC-SHA256 Credential={self.config['secret_id']}/{scope}, "
            f"SignedHeaders=content-type;host, Signature={signature}"
        )
        return urllib.request.Request(  # noqa: S310 - fixed https endpoint
            f"https://{self.host}/",
            data=payload.encode(),
            headers={
                "Authorization": authorization,
                "Content-Type": content_type,
                "Host": self.host,
                "X-TC-Action": "SendSms",
                "X-TC-Timestamp": str(timestamp),
                "X-TC-Version": "2021-01-11",
                "X-TC-Region": self.config.get("region", "ap-guangzhou"),
            },
            method="POST",
        )

    def send(self, *, phone: str, text: str, key: str, secret: str = "") -> str:
        answer = _post(self.build_request(phone=phone, text=text, key=key)).get("Response", {})
        if "Error" in answer:
            error = answer["Error"]
            code = str(error.get("Code", ""))
            retryable = code.startswith(("InternalError", "RequestLimitExceeded", "LimitExceeded"))
            raise ChannelError(f"Tencent {code}: {error.get('Message', '')}", retryable=retryable)
        status = (answer.get("SendStatusSet") or [{}])[0]
        if status.get("Code") != "Ok":
            code = str(status.get("Code", ""))
            raise ChannelError(
                f"Tencent {code}: {status.get('Message', '')}", retryable=code.startswith("LimitExceeded")
            )
        return str(status.get("SerialNo", ""))


def sms_backend() -> SmsBackend:
    """The configured SMS backend (JUNXIU_SMS_BACKEND)."""
    path = getattr(settings, "JUNXIU_SMS_BACKEND", "") or "notifications.channels.FileSmsBackend"
    return import_string(path)()


class SmsChannel(Channel):
    """SMS through the configured backend; the body is the whole text, in plain Chinese."""

    name = "sms"

    def send(self, *, address: str, subject: str, body: str, key: str, secret: str = "") -> str:
        if not address:
            raise ChannelError("no mobile number", retryable=False)
        return sms_backend().send(phone=address, text=body, key=key, secret=secret)


class WecomChannel(Channel):
    """WeCom group robot: POST a text message to the robot's webhook URL."""

    name = "wecom"

    def send(self, *, address: str, subject: str, body: str, key: str, secret: str = "") -> str:
        from forms_engine.webhooks import webhook_target_private

        url = address or getattr(settings, "JUNXIU_WECOM_WEBHOOK", "")
        if not url.startswith(("http://", "https://")):
            raise ChannelError("no WeCom robot URL", retryable=False)
        if not settings.JUNXIU_WEBHOOK_ALLOW_PRIVATE and webhook_target_private(url):
            raise ChannelError("refused: the address is not public", retryable=False)
        content = f"{subject}\n{body}" if subject else body
        payload = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked
            url, data=payload, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
        )
        answer = _post(request)
        errcode = answer.get("errcode")
        if errcode == 0:
            return f"wecom:{key}"
        # 45009: the robot's rate limit (20 messages a minute); anything else will not improve by waiting.
        raise ChannelError(f"WeCom {errcode}: {answer.get('errmsg', '')}", retryable=errcode == 45009)


DEFAULT_CHANNELS: dict[str, type[Channel]] = {
    channel.name: channel for channel in (InboxChannel, EmailChannel, SmsChannel, WecomChannel)
}


def channels() -> dict[str, Channel]:
    """Every channel by name: the built-in ones, plus or replaced by settings.JUNXIU_CHANNELS."""
    classes: dict[str, Any] = dict(DEFAULT_CHANNELS)
    for name, path in getattr(settings, "JUNXIU_CHANNELS", {}).items():
        classes[name] = import_string(path)
    return {name: cls() for name, cls in classes.items()}


def channel_get(name: str) -> Channel:
    """One channel by name; KeyError when there is none."""
    return channels()[name]
