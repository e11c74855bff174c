"""Production reads the message channels' settings from the environment (deploy/env.example)."""

import json
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SHOW = """
import django
django.setup()
from django.conf import settings
from notifications.channels import sms_backend
print(json.dumps([settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_SSL, settings.DEFAULT_FROM_EMAIL,
                  settings.JUNXIU_SMS_ALIYUN, type(sms_backend()).__name__, settings.JUNXIU_WECOM_WEBHOOK]))
"""


def test_production_takes_smtp_sms_and_wecom_from_the_environment():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "junxiu.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-test-secret",
        "DATABASE_URL": "postgresql://junxiu:x@127.0.0.1:6432/junxiu",
        "JUNXIU_FIELD_KEYS": Fernet.generate_key().decode(),
        "JUNXIU_LOOKUP_KEY": "lookup",
        "JUNXIU_BASE_DOMAIN": "jx.example.gov.cn",
        "DJANGO_EMAIL_HOST": "smtp.example.gov.cn",
        "DJANGO_EMAIL_PORT": "465",
        "DJANGO_EMAIL_USE_SSL": "true",
        "JUNXIU_SMS_BACKEND": "notifications.channels.AliyunSmsBackend",
        "JUNXIU_SMS_ALIYUN": '{"access_key_id": "id", "sign_name": "军休"}',
        "JUNXIU_WECOM_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + SHOW], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [
        "smtp.example.gov.cn",
        465,
        True,
        "noreply@jx.example.gov.cn",
        {"access_key_id": "id", "sign_name": "军休"},
        "AliyunSmsBackend",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    ]
