"""What the production settings choose from the environment (issue 16 §3): JSON logs by default, media on S3 with a
bucket named — and the S3 storage's keys and URLs keep the per-centre layout of the file system storage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from tenants.media_storage import CentreS3Storage

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgresql://junxiu@127.0.0.1:1/junxiu",  # never connected to
    "JUNXIU_FIELD_KEYS": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "JUNXIU_LOOKUP_KEY": "lookup",
}


def _production(**environment: str) -> dict:
    """The production settings' choices, read by a fresh interpreter with only this environment."""
    code = (
        "import json; from junxiu.settings import production as p; "
        "print(json.dumps({'storage': p.STORAGES['default'], 'formatter': p.LOGGING['handlers']['console']"
        "['formatter'], 'docs': getattr(p, 'WAGTAILDOCS_SERVE_METHOD', None)}))"
    )
    env = {"PATH": os.environ["PATH"], **REQUIRED, **environment}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_logs_json_and_keeps_media_on_disk_by_default():
    chosen = _production()
    assert chosen["formatter"] == "json"
    assert chosen["storage"] == {"BACKEND": "tenants.private_files.CentreStorage"}
    assert chosen["docs"] is None
    assert _production(JUNXIU_LOG_FORMAT="plain")["formatter"] == "plain"


def test_production_puts_media_in_the_bucket_when_one_is_named():
    chosen = _production(
        JUNXIU_MEDIA_S3_BUCKET="junxiu-media",
        JUNXIU_MEDIA_S3_ENDPOINT_URL="http://minio:9000",
        JUNXIU_MEDIA_S3_ACCESS_KEY="junxiu",
        JUNXIU_MEDIA_S3_SECRET_KEY="secret",
    )
    assert chosen["storage"]["BACKEND"] == "tenants.media_storage.CentreS3Storage"
    assert chosen["storage"]["OPTIONS"] == {
        "bucket_name": "junxiu-media",
        "endpoint_url": "http://minio:9000",
        "region_name": None,
        "access_key": "junxiu",
        "secret_key": "secret",
        "location": "",
        "addressing_style": "path",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": False,
    }
    assert chosen["docs"] == "serve_view"  # a document is streamed by Django's checked view, not redirected


def _storage(location: str = "") -> CentreS3Storage:
    # An endpoint nothing listens on: these checks never reach the bucket.
    return CentreS3Storage(
        bucket_name="junxiu-media", endpoint_url="http://127.0.0.1:9", access_key="a", secret_key="b", location=location
    )


@pytest.mark.parametrize("location", ["", "prod"])
def test_an_object_key_starts_with_the_centres_schema_and_its_url_is_the_sites_own(db, location):
    storage = _storage(location)
    prefix = f"{location}/" if location else ""
    with schema_context("huangpu"):
        assert storage._normalize_name("original_images/通知.jpg") == f"{prefix}huangpu/original_images/通知.jpg"
        assert storage.url("original_images/a b.jpg") == "/media/huangpu/original_images/a%20b.jpg"
    with schema_context("putuo"):
        assert storage._normalize_name("images/a.jpg") == f"{prefix}putuo/images/a.jpg"
        assert storage.url("images/a.jpg") == "/media/putuo/images/a.jpg"


def test_a_personal_upload_stays_in_the_private_folder_and_has_no_url(db):
    storage = _storage()
    with schema_context("changning"):
        name = storage.save("archive/媒体测试.pdf", ContentFile(b"%PDF-1.7 test"))
        try:
            path = Path(storage.path(name))
            assert path.parent == Path(settings.JUNXIU_PRIVATE_FILES) / "changning" / "archive"
            assert path.read_bytes() == b"%PDF-1.7 test"
            assert storage.exists(name) and storage.size(name) == 13
            with storage.open(name) as handle:
                assert handle.read() == b"%PDF-1.7 test"
            with pytest.raises(ValueError):
                storage.url(name)
        finally:
            storage.delete(name)
        assert not path.exists()
