"""Rotating the encryption key re-encrypts every centre's personal data without touching its history."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from registry import crypto
from registry.models import Cadre

pytestmark = pytest.mark.django_db


def raw_tokens(cadre_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, mobile FROM registry_cadre WHERE id = %s", [cadre_id])
        return cursor.fetchone()


def test_rotation_re_encrypts_under_the_new_key(huangpu_people, settings):
    wang = huangpu_people["wang"]
    old_keys = list(settings.JUNXIU_FIELD_KEYS)
    new_key = Fernet.generate_key().decode()
    with schema_context("huangpu"):
        before_tokens = raw_tokens(wang.pk)
        events_before = wang.events.count()
    try:
        with override_settings(JUNXIU_FIELD_KEYS=[new_key, *old_keys]):
            crypto.keys_reset()
            call_command("registry_rotate_keys")
            with schema_context("huangpu"):
                after_tokens = raw_tokens(wang.pk)
                assert Fernet(new_key.encode()).decrypt(after_tokens[1].encode()) == b"13812345678"
                assert after_tokens != before_tokens
                assert wang.events.count() == events_before  # a re-encryption is not a change
        with override_settings(JUNXIU_FIELD_KEYS=[new_key]):  # the old key can now be dropped
            crypto.keys_reset()
            with schema_context("huangpu"):
                assert Cadre.objects.get(pk=wang.pk).mobile == "13812345678"
    finally:
        crypto.keys_reset()


def test_rehash_after_a_new_lookup_key(huangpu_people):
    from registry.selectors import cadre_by_id_number, cadre_by_phone

    wang, zhao = huangpu_people["wang"], huangpu_people["zhao"]
    with schema_context("huangpu"):
        assert cadre_by_phone("+86 138-1234-5678") == wang  # found by the keyed hash of the mobile's digits
    with override_settings(JUNXIU_LOOKUP_KEY="a-new-lookup-key"):
        with schema_context("huangpu"):
            assert cadre_by_id_number(wang.id_number) is None  # old hashes no longer match
            assert cadre_by_phone("13812345678") is None
        call_command("registry_rotate_keys", "--rehash")
        with schema_context("huangpu"):
            assert cadre_by_id_number(wang.id_number) == wang
            assert cadre_by_id_number(zhao.id_number) == zhao
            assert cadre_by_phone("13812345678") == wang
            assert Cadre.objects.get(pk=zhao.pk).mobile_hash == ""  # no mobile, no hash
