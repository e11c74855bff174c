"""The cache on Redis (django-redis): every key carries the centre's schema, so two centres' cached pages and
rate-limit counters never mix, even for the same path and the same client address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis import get_redis_connection
from django_tenants.utils import schema_context

from tests.conftest import client_for
from tests.content.public_pages import notice_make, section_make
from tests.forms_engine.test_public import answers, build_complaint_form, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings):
    settings.JUNXIU_PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield get_redis_connection("default")
    cache.clear()


def schemas_of_keys(redis) -> set[str]:
    return {key.decode().split(":", 1)[0] for key in redis.keys("*") if not key.startswith(b"django_q:")}


def test_the_lane_caches_on_redis():
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"


def test_the_same_path_on_two_centres_is_cached_apart(centres, redis_cache):
    for code, title in (("huangpu", "黄浦重阳登高"), ("putuo", "普陀重阳登高")):
        with schema_context(code):
            notice_make(section_make("notices", "通知公告", "notices"), title=title, slug="chongyang")
    pages = {}
    for _round in range(2):
        for code in ("huangpu", "putuo"):
            with CaptureQueriesContext(connection) as queries:
                response = client_for(code).get("/notices/chongyang/")
            assert response.status_code == 200
            pages.setdefault(code, []).append((len(queries) == 0, response.content.decode()))
    # The second round comes from Redis without a query, each centre its own page.
    assert [cached for cached, _html in pages["huangpu"] + pages["putuo"]] == [False, True, False, True]
    assert pages["huangpu"][0][1] == pages["huangpu"][1][1] and pages["putuo"][0][1] == pages["putuo"][1][1]
    assert "黄浦重阳登高" in pages["huangpu"][1][1] and "普陀重阳登高" not in pages["huangpu"][1][1]
    assert "普陀重阳登高" in pages["putuo"][1][1] and "黄浦重阳登高" not in pages["putuo"][1][1]
    assert schemas_of_keys(redis_cache) == {"huangpu", "putuo"}


def test_one_centres_full_counter_does_not_hold_up_another(centres, redis_cache):
    """Five forms from one address fill huangpu's counter on Redis; the same address is still served in putuo."""
    for code in ("huangpu", "putuo"):
        with schema_context(code):
            build_complaint_form()
    huangpu, putuo = client_for("huangpu"), client_for("putuo")
    codes = [huangpu.post("/forms/complaint/", answers(), REMOTE_ADDR="10.7.1.1").status_code for _ in range(6)]
    assert codes == [302, 302, 302, 302, 302, 429]
    assert putuo.post("/forms/complaint/", answers(), REMOTE_ADDR="10.7.1.1").status_code == 302
    assert (len(stored("huangpu")), len(stored("putuo"))) == (5, 1)
    counters = {key.decode().split(":", 1)[0]: int(redis_cache.get(key)) for key in redis_cache.keys("*rate:*")}
    assert counters == {"huangpu": 5, "putuo": 1}
