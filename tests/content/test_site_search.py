"""Site search: Chinese words found inside unspaced text, only this centre's live pages, any query safe, paginated."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from tests.conftest import client_for
from tests.content.public_pages import notice_make, section_make

pytestmark = pytest.mark.django_db


def hits(code: str, query: str, page: int | None = None) -> list[str]:
    params = {"q": query} | ({"page": page} if page else {})
    response = client_for(code).get("/search/", params)
    assert response.status_code == 200
    return [hit.title for hit in response.context["hits"]]


@pytest.fixture
def notices(centres):
    with schema_context("huangpu"):
        section = section_make("notices", "通知公告", "notices")
        notice_make(
            section, title="十一月活动安排", slug="november", body="组织军休干部参观红色教育基地，午餐由中心安排。"
        )
        notice_make(
            section,
            title="冬季健康讲座",
            slug="health",
            body="邀请瑞金医院（Rui-jin Hospital）专家讲解冬季心脑血管疾病预防。",
        )
        return section


def test_words_inside_unspaced_chinese_are_found(notices):
    assert hits("huangpu", "教育基地") == ["十一月活动安排"]
    assert hits("huangpu", "参观") == ["十一月活动安排"]
    assert hits("huangpu", "红色教育") == ["十一月活动安排"]
    assert hits("huangpu", "基地 参观") == ["十一月活动安排"]  # every word, in any order
    assert hits("huangpu", "活动安排") == ["十一月活动安排"]  # in the title
    assert hits("huangpu", "心脑血管") == ["冬季健康讲座"]
    assert hits("huangpu", "冬季") == ["冬季健康讲座"]
    assert hits("huangpu", "Rui-jin") == ["冬季健康讲座"]  # words joined by punctuation
    assert hits("huangpu", "rui jin") == ["冬季健康讲座"]
    assert hits("huangpu", "游泳") == []
    assert hits("huangpu", "参观 游泳") == []


def test_the_index_follows_what_editors_publish(notices):
    with schema_context("huangpu"):
        from content.models import NoticePage

        page = NoticePage.objects.get(slug="health")
        page.body = [("paragraph", "<p>讲座改为太极拳体验课。</p>")]
        page.save_revision().publish()
    assert hits("huangpu", "太极拳") == ["冬季健康讲座"]
    assert hits("huangpu", "心脑血管") == []


def test_only_live_pages_of_this_centre_are_found(notices):
    from content.models import NoticePage

    with schema_context("huangpu"):
        draft = NoticePage(title="草稿：参观计划", slug="draft", date=dt.date(2026, 11, 2), live=False)
        notices.add_child(instance=draft)
        draft.save_revision()
        withdrawn = notice_make(notices, title="已撤回：参观通知", slug="withdrawn", body="参观")
        withdrawn.unpublish()
    with schema_context("putuo"):
        putuo = section_make("notices", "通知公告", "notices")
        notice_make(putuo, title="普陀：参观纪念馆", slug="museum", body="参观")
    assert hits("huangpu", "参观") == ["十一月活动安排"]
    assert hits("putuo", "参观") == ["普陀：参观纪念馆"]
    assert hits("changning", "参观") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        "\\",
        "&|!():*",
        "参观 & 基地 | !教育",
        "教育:* & !",
        "'); DROP TABLE wagtailcore_page; --",
        "😀🎉",
        "参观😀",
        "a" * 5000,
        "参观" * 2500,
        "\x01参观",  # a NUL is refused with 400 before the view (tests/security)
        "<script>alert(1)</script>",
        "   ",
    ],
)
def test_any_query_is_answered_and_shown_as_text(notices, query):
    response = client_for("huangpu").get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    if "<script>" in query:
        assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert len(response.context["search_query"]) <= 100
    # The same words through the headless API's search, which hands Wagtail's parsed query to the backend.
    api = client_for("huangpu").get("/api/v2/pages/", {"search": query})
    assert api.status_code == 200, api.content[:200]


def test_results_come_in_pages(centres):
    with schema_context("huangpu"):
        section = section_make("notices", "通知公告", "notices")
        for number in range(12):
            notice_make(section, title=f"第{number + 1}期书法班通知", slug=f"calligraphy-{number}", day=number + 1)
    first, second = hits("huangpu", "书法", 1), hits("huangpu", "书法", 2)
    assert len(first) == 10 and len(second) == 2
    assert len(set(first) | set(second)) == 12
    assert hits("huangpu", "书法", 99) == second  # past the end: the last page
    html = client_for("huangpu").get("/search/", {"q": "书法"}).content.decode()
    assert 'href="?q=%E4%B9%A6%E6%B3%95&amp;page=2"' in html
