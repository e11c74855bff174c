"""Caches and media are kept per centre, like the database."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db


def test_cache_keys_carry_the_schema(centres):
    with schema_context("huangpu"):
        cache.set("home-page", "黄浦")
    with schema_context("putuo"):
        assert cache.get("home-page") is None
        cache.set("home-page", "普陀")
    with schema_context("huangpu"):
        assert cache.get("home-page") == "黄浦"
    with schema_context("putuo"):
        assert cache.get("home-page") == "普陀"
    cache.clear()


def test_media_are_stored_under_the_centres_own_folder(centres):
    with schema_context("huangpu"):
        name = default_storage.save("documents/scan.txt", ContentFile("黄浦通知".encode()))
        assert default_storage.url(name) == f"/media/huangpu/{name}"
        assert default_storage.path(name) == str(settings.MEDIA_ROOT / "huangpu" / name)
    try:
        with schema_context("putuo"):
            assert default_storage.exists(name) is False
            assert default_storage.url(name) == f"/media/putuo/{name}"
    finally:
        with schema_context("huangpu"):
            default_storage.delete(name)


def test_personal_uploads_are_stored_under_the_centres_private_folder_without_a_url(centres):
    with schema_context("huangpu"):
        name = default_storage.save("archive/scan.txt", ContentFile("黄浦档案".encode()))
        assert default_storage.path(name) == str(settings.JUNXIU_PRIVATE_FILES / "huangpu" / name)
        with pytest.raises(ValueError, match="private file"):
            default_storage.url(name)
    try:
        with schema_context("putuo"):
            assert default_storage.exists(name) is False
    finally:
        with schema_context("huangpu"):
            default_storage.delete(name)
            assert not (settings.JUNXIU_PRIVATE_FILES / "huangpu" / name).exists()
