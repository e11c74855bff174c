"""Every page type renders on the centre's site and answers in the API with its fields; sections list and filter."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context

from content.models import (
    DigitalGuidePage,
    DisclosurePage,
    HealthArticlePage,
    HomePage,
    HonourStoryPage,
    NoticePage,
    PolicyPage,
    ServiceProviderPage,
)
from tests.conftest import client_for
from tests.content.conftest import make_activity, make_course, publish, section

pytestmark = pytest.mark.django_db


def body(*paragraphs: str) -> list:
    return [("heading", "要点"), *[("paragraph", f"<p>{text}</p>") for text in paragraphs]]


def build_all(code: str = "huangpu") -> dict:
    """One page of every type, published under its section."""
    pages = {}
    with schema_context(code):
        pages["notice"] = publish(
            section(code, "notices"),
            NoticePage(
                title="活动室使用须知",
                slug="facility",
                date=dt.date(2026, 11, 25),
                category="facility",
                summary="冬季开放时间调整。",
                body=body("上午8:30开放。"),
            ),
        )
        pages["policy"] = publish(
            section(code, "policies"),
            PolicyPage(
                title="医疗保障通知",
                slug="medical-policy",
                document_number="沪退役军人发〔2026〕12号",
                issuing_body="上海市退役军人事务局",
                issued_on=dt.date(2026, 3, 1),
                effective_date=dt.date(2026, 4, 1),
                status="in_force",
                category="medical",
                summary="就医绿色通道。",
                body=body("优先挂号。"),
            ),
        )
        pages["service"] = publish(
            section(code, "services"),
            ServiceProviderPage(
                title="长者助餐点",
                slug="meals",
                category="daily_life",
                services="午餐堂吃和送餐",
                phone="021-6344 0000",
                address="示例路36号",
                opening_hours="每天 11:00—13:00",
            ),
        )
        pages["honour"] = publish(
            section(code, "honours"),
            HonourStoryPage(
                title="九旬老兵的宣讲路",
                slug="story",
                date=dt.date(2026, 8, 1),
                category="model",
                person="周振华",
                honour="区优秀共产党员",
                summary="宣讲两百余场。",
                body=body("走进校园。"),
            ),
        )
        pages["disclosure"] = publish(
            section(code, "disclosures"),
            DisclosurePage(
                title="2026年度工作计划",
                slug="plan-2026",
                year=2026,
                category="plan",
                date=dt.date(2026, 1, 15),
                summary="全年工作安排。",
                body=body("做好服务保障。"),
            ),
        )
        pages["health"] = publish(
            section(code, "health"),
            HealthArticlePage(
                title="冬季预防心脑血管疾病",
                slug="winter-heart",
                date=dt.date(2026, 11, 10),
                category="seasonal",
                reviewed_by="刘医生",
                summary="注意保暖。",
                body=body("按时服药。"),
            ),
        )
        pages["guide"] = publish(
            section(code, "guides"),
            DigitalGuidePage(
                title="手把手教您用手机挂号",
                slug="booking",
                date=dt.date(2026, 10, 20),
                category="medical",
                summary="四步预约。",
                body=body("打开随申办。"),
            ),
        )
    pages["activity"] = make_activity(code, title="迎新年书画笔会", slug="calligraphy", capacity=30)
    pages["course"] = make_course(code, title="书法入门与提高", slug="calligraphy-course", capacity=20)
    return pages  # fmt: skip


EXPECTED_TEXT = {
    "notice": ["<h1>活动室使用须知</h1>", "设施使用通知", "<h2>要点</h2>", "上午8:30开放。"],
    "policy": ["沪退役军人发〔2026〕12号", "上海市退役军人事务局", "2026年4月1日", "现行有效", "<dd>医疗保障</dd>"],
    "service": ["长者助餐点", 'href="tel:021-63440000"', "示例路36号", "每天 11:00—13:00", "生活服务"],
    "honour": ["周振华", "区优秀共产党员", "先进事迹", "走进校园。"],
    "disclosure": ["2026年度工作计划", "年度工作计划 · <time", "<dd>2026</dd>", "做好服务保障。"],
    "health": ["刘医生", "季节保健", "按时服药。"],
    "guide": ["手把手教您用手机挂号", "预约挂号与就医应用", "打开随申办。"],
    "activity": ["迎新年书画笔会", "中心二楼书画室", 'class="signup"', "报名</button>"],
    "course": ["书法入门与提高", "陈墨林", "每星期三 09:00–11:00", "线下", 'class="signup"'],
}


def test_every_page_type_renders_with_its_facts(centres):
    pages = build_all()
    client = client_for("huangpu")
    for key, page in pages.items():
        response = client.get(page.url_path.removeprefix("/home"))
        assert response.status_code == 200, key
        html = response.content.decode()
        for text in EXPECTED_TEXT[key]:
            assert text in html, (key, text)
        assert html.count("<h1>") == 1, key
        assert "style=" not in html.split('<main id="main"', 1)[1], key


def test_every_page_type_is_in_the_api_with_its_fields(centres):
    pages = build_all()
    client = client_for("huangpu")
    expected = {
        "notice": {"category": "facility", "date": "2026-11-25", "from_bureau": False},
        "policy": {"document_number": "沪退役军人发〔2026〕12号", "effective_date": "2026-04-01", "status": "in_force"},
        "service": {"category": "daily_life", "phone": "021-6344 0000", "address": "示例路36号"},
        "honour": {"person": "周振华", "honour": "区优秀共产党员"},
        "disclosure": {"year": 2026, "category": "plan"},
        "health": {"reviewed_by": "刘医生", "category": "seasonal"},
        "guide": {"category": "medical", "date": "2026-10-20"},
        "activity": {"capacity": 30, "place": "中心二楼书画室", "outing": False},
        "course": {"teacher": "陈墨林", "weekday": 3, "mode": "offline", "start_time": "09:00:00"},
    }
    for key, page in pages.items():
        data = client.get(f"/api/v2/pages/{page.pk}/").json()
        assert data["title"] == page.title
        for field, value in expected[key].items():
            assert data[field] == value, (key, field)
        if key not in ("service", "activity", "course"):
            assert [block["type"] for block in data["body"]] == ["heading", "paragraph"]
    listing = client.get("/api/v2/pages/", {"type": "content.PolicyPage", "fields": "document_number,status"}).json()
    assert [(i["title"], i["document_number"], i["status"]) for i in listing["items"]] == [
        ("医疗保障通知", "沪退役军人发〔2026〕12号", "in_force")
    ]


def test_a_section_lists_paginates_and_filters(centres):
    notices = section("huangpu", "notices", title="通知公告")
    with schema_context("huangpu"):
        for n in range(23):
            publish(
                notices,
                NoticePage(title=f"通知{n:02d}", slug=f"n{n:02d}", date=dt.date(2026, 1, 1) + dt.timedelta(days=n * 10),
                           category="work_news" if n % 2 else "notice"),
            )  # fmt: skip
    client = client_for("huangpu")
    first = client.get("/notices/").content.decode()
    assert first.count('<li class="card">') == 20
    assert first.index("通知22") < first.index("通知21")  # newest first
    assert '<nav class="pager"' in first and 'href="?page=2"' in first
    second = client.get("/notices/", {"page": 2}).content.decode()
    assert second.count('<li class="card">') == 3
    news = client.get("/notices/", {"category": "work_news"}).content.decode()
    assert news.count('<li class="card">') == 11
    ranged = client.get("/notices/", {"from": "2026-03-01", "to": "2026-04-30"}).content.decode()
    # 2026-03-02 (n=6), 03-12, 03-22, 04-01, 04-11, 04-21 (n=11)
    assert [f"通知{n:02d}" in ranged for n in range(5, 13)] == [False, True, True, True, True, True, True, False]
    assert client.get("/notices/", {"category": "<script>", "from": "nonsense"}).status_code == 200


def test_notices_straight_under_the_home_page_are_listed_in_the_notices_section(centres):
    notices = section("huangpu", "notices", title="通知公告")
    with schema_context("huangpu"):
        home = HomePage.objects.get()
        publish(home, NoticePage(title="首页下的通知", slug="on-home", date=dt.date(2026, 5, 2)))
        publish(notices, NoticePage(title="栏目下的通知", slug="in-section", date=dt.date(2026, 5, 1)))
        draft = NoticePage(title="未发布的通知", slug="draft-on-home", date=dt.date(2026, 5, 3), live=False)
        home.add_child(instance=draft)
    page = client_for("huangpu").get("/notices/").content.decode()
    titles = re.findall(r'<li class="card">.*?<a href="[^"]+">([^<]+)</a>', page, flags=re.S)
    assert titles == ["首页下的通知", "栏目下的通知"]


def test_hostile_titles_and_summaries_are_text(centres):
    notices = section("huangpu", "notices")
    with schema_context("huangpu"):
        publish(
            notices,
            NoticePage(title='<img src=x onerror="alert(1)">通知', slug="xss", date=dt.date(2026, 11, 1),
                       summary="<script>alert(2)</script>"),
        )  # fmt: skip
    client = client_for("huangpu")
    for path in ("/notices/xss/", "/notices/", "/"):
        html = client.get(path).content.decode()
        assert "<img src=x" not in html and "<script>alert(2)" not in html, path
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;通知" in html, path


def test_huangpus_pages_are_not_served_on_putuos_host(centres):
    pages = build_all("huangpu")
    putuo = client_for("putuo")
    for page in pages.values():
        assert putuo.get(page.url_path.removeprefix("/home")).status_code == 404
    titles = {item["title"] for item in putuo.get("/api/v2/pages/", {"limit": 20}).json()["items"]}
    assert titles.isdisjoint({page.title for page in pages.values()})
