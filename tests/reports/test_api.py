"""The bureau's reports API: exact figures, small cells suppressed as on the pages, bureau roles only (session or
token of the public schema), refused filters in Chinese, every read logged, constant queries, in the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tenants.utils import schema_context
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from registry.idcard import resident_id_make
from registry.services import cadre_create
from reports.models import CentreRefresh, ReportAccess
from reports.roles import BureauRole, bureau_role_grant
from reports.services import centre_facts_refresh, scorecard_create, scorecard_items_save, scorecard_publish
from tenants.models import Centre
from tests.conftest import TEST_CENTRES, client_for, make_user

pytestmark = pytest.mark.django_db

FACTS = "/api/reports/facts/"
INDICATORS = "/api/reports/indicators/"
SCORECARDS = "/api/reports/scorecards/"
YEAR = 2026
MID_YEAR = dt.date(YEAR, 6, 30)


def cadres(code: str, count: int, *, start: int, level: str = "division", kind: str = "lixiu", **flags) -> None:
    with schema_context(code):
        for n in range(start, start + count):
            cadre_create(
                name=f"测试{n}",
                id_number=resident_id_make("310101", dt.date(1940, 1, 1), n),
                level=level,
                kind=kind,
                **flags,
            )


@pytest.fixture
def facts(centres):
    """huangpu: 4 division/lixiu (one living alone) and 2 regiment/tuixiu; putuo: 6 division/lixiu; changning:
    never refreshed. Figures as of 30 June, from centres that existed all year."""
    Centre.objects.filter(schema_name__in=TEST_CENTRES).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    cadres("huangpu", 1, start=1, lives_alone=True)
    cadres("huangpu", 3, start=2)
    cadres("huangpu", 2, start=10, level="regiment", kind="tuixiu")
    cadres("putuo", 6, start=1)
    for code in ("huangpu", "putuo"):
        state = centre_facts_refresh(centre=centres[code], year=YEAR, today=MID_YEAR)
        assert (state.status, state.error) == (CentreRefresh.Status.OK, "")
    return centres


def bureau_user(django_user_model, username: str, role: BureauRole | None):
    user = django_user_model.objects.create_user(username=username)
    if role is not None:
        bureau_role_grant(user=user, role=role)
    return user


def session_client(user):
    client = client_for(None)
    client.force_login(user)
    return client


@pytest.fixture
def analyst(django_user_model):
    return bureau_user(django_user_model, "analyst", BureauRole.ANALYST)


def as_of(code: str) -> str:
    return timezone.localtime(CentreRefresh.objects.get(centre__schema_name=code, year=YEAR).as_of).isoformat()


def row(centre: str, indicator: str, breakdown: str = "", label: str = "", value=None, num=None, den=None, **kw):
    names = {"huangpu": "黄浦区军休中心", "putuo": "普陀区军休中心"}
    return {
        "centre": centre,
        "centre_name": names[centre],
        "period": str(YEAR),
        "indicator": indicator,
        "breakdown": breakdown,
        "label": label,
        "value": value,
        "numerator": num,
        "denominator": den,
        "suppressed": kw.get("suppressed", False),
    }


def test_facts_of_the_year_exact(facts, analyst):
    response = session_client(analyst).get(
        FACTS, {"year": YEAR, "indicator": ["cadres_total", "lives_alone_rate", "very_old_rate"]}
    )
    assert response.status_code == 200
    assert response.json() == {
        "count": 6,
        "next": None,
        "previous": None,
        "period": "2026",
        "as_of": {"changning": None, "huangpu": as_of("huangpu"), "putuo": as_of("putuo")},
        "results": [
            row("huangpu", "cadres_total", value=6.0),
            row("putuo", "cadres_total", value=6.0),
            row("huangpu", "lives_alone_rate", value=1 / 6, num=1.0, den=6.0),
            row("putuo", "lives_alone_rate", value=0.0, num=0.0, den=6.0),
            row("huangpu", "very_old_rate", value=1.0, num=6.0, den=6.0),
            row("putuo", "very_old_rate", value=1.0, num=6.0, den=6.0),
        ],
    }
    assert list(ReportAccess.objects.values_list("username", "action", "what")) == [
        (
            "analyst",
            "api",
            f"{FACTS}?year=2026&indicator=cadres_total&indicator=lives_alone_rate&indicator=very_old_rate",
        )
    ]


def test_small_cells_come_back_suppressed_without_a_value(facts, analyst):
    client = session_client(analyst)
    body = client.get(FACTS, {"year": YEAR, "indicator": "cadres_level", "breakdowns": "1"}).json()
    # huangpu's 2 regiment cadres are a small cell; its 4 division cadres would give them away from the total,
    # and putuo's 6 division cadres would give huangpu's division cell away from the city's — all three hidden.
    assert body["results"] == [
        row("huangpu", "cadres_level", "division", "师级", suppressed=True),
        row("huangpu", "cadres_level", "regiment", "团级以下", suppressed=True),
        row("huangpu", "cadres_level", "nco", "退休军（警）士", value=0.0),
        row("putuo", "cadres_level", "division", "师级", suppressed=True),
        row("putuo", "cadres_level", "regiment", "团级以下", value=0.0),
        row("putuo", "cadres_level", "nco", "退休军（警）士", value=0.0),
    ]
    # Only putuo chosen: no city total to subtract from, so its cells are shown.
    alone = client.get(FACTS, {"year": YEAR, "indicator": "cadres_level", "breakdowns": "1", "centre": "putuo"})
    assert [(r["breakdown"], r["value"], r["suppressed"]) for r in alone.json()["results"]] == [
        ("division", 6.0, False),
        ("regiment", 0.0, False),
        ("nco", 0.0, False),
    ]
    # A cell of one person with no total to subtract from (situations overlap): hidden, not its neighbours.
    situation = client.get(
        FACTS, {"year": YEAR, "indicator": "cadres_situation", "breakdowns": "1", "centre": "huangpu"}
    ).json()["results"]
    assert [(r["breakdown"], r["value"], r["suppressed"]) for r in situation if r["breakdown"] == "lives_alone"] == [
        ("lives_alone", None, True)
    ]
    assert {r["value"] for r in situation if r["breakdown"] != "lives_alone"} == {0.0}


def test_a_quarter_and_a_month(facts, analyst):
    client = session_client(analyst)
    quarter = client.get(FACTS, {"year": YEAR, "quarter": 2, "indicator": "cadres_total", "centre": "huangpu"})
    assert quarter.json()["period"] == "2026-Q2"
    assert [(r["period"], r["value"]) for r in quarter.json()["results"]] == [("2026-Q2", 6.0)]
    month = client.get(FACTS, {"year": YEAR, "month": 7, "indicator": "cadres_total", "centre": "huangpu"})
    assert (month.json()["count"], month.json()["results"]) == (0, [])  # after the figures' day: none made


def test_pages_of_facts(facts, analyst):
    client = session_client(analyst)
    first = client.get(FACTS, {"year": YEAR, "breakdowns": "1", "page_size": 2}).json()
    assert first["count"] > 2 and len(first["results"]) == 2
    assert first["next"] == f"http://localhost{FACTS}?breakdowns=1&page=2&page_size=2&year=2026"
    everything = client.get(FACTS, {"year": YEAR, "breakdowns": "1", "page_size": 5000}).json()
    assert everything["count"] == first["count"] == len(everything["results"])
    assert everything["results"][:2] == first["results"]
    assert client.get(FACTS, {"year": YEAR, "page": 999}).status_code == 404


def test_refused_filters_are_a_400_in_the_users_language(facts, analyst):
    client = session_client(analyst)
    with translation.override("zh-hans"):
        expected = {
            "month=13": gettext("The month must be between 1 and 12."),
            "year=abc": gettext("%(label)s must be a whole number, not “%(value)s”.")
            % {"label": gettext("The year"), "value": "abc"},
            "quarter=1&month=2": gettext("Choose a quarter or a month, not both."),
            "centre=nowhere": gettext("No centre with the code %(codes)s.") % {"codes": "nowhere"},
            "indicator=nothing": gettext("No indicator with the code %(codes)s.") % {"codes": "nothing"},
            "breakdowns=maybe": gettext("%(name)s must be 0 or 1, not “%(value)s”.")
            % {"name": "breakdowns", "value": "maybe"},
        }
    for query, detail in expected.items():
        response = client.get(f"{FACTS}?{query}")
        assert (response.status_code, response.json()) == (400, {"detail": detail}), query
    response = client.get(f"{SCORECARDS}?year=20266")
    assert response.status_code == 400
    assert ReportAccess.objects.count() == 0  # refused reads are not logged as reads


def test_role_matrix(facts, django_user_model):
    anonymous = client_for(None).get(FACTS)
    assert anonymous.status_code == 401
    nobody = session_client(bureau_user(django_user_model, "nobody", None))
    for url in (FACTS, INDICATORS, SCORECARDS):
        response = nobody.get(url, {"year": YEAR})
        assert response.status_code == 403, url
        assert "detail" in response.json() and "cadres_total" not in response.content.decode()
    assert ReportAccess.objects.count() == 0
    for role in BureauRole:
        client = session_client(bureau_user(django_user_model, role.value.split(":")[1], role))
        response = client.get(FACTS, {"year": YEAR, "indicator": "cadres_total"})
        assert response.status_code == 200, role
        assert [r["value"] for r in response.json()["results"]] == [6.0, 6.0]
    assert sorted(ReportAccess.objects.values_list("username", flat=True)) == ["analyst", "head", "viewer"]


def test_a_bureau_token_works_a_centres_token_does_not(facts, django_user_model):
    viewer = bureau_user(django_user_model, "token-viewer", BureauRole.VIEWER)
    token, _created = Token.objects.get_or_create(user=viewer)
    response = client_for(None).get(
        FACTS, {"year": YEAR, "indicator": "cadres_total"}, HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200
    assert [(r["centre"], r["value"]) for r in response.json()["results"]] == [("huangpu", 6.0), ("putuo", 6.0)]
    assert list(ReportAccess.objects.values_list("username", "action")) == [("token-viewer", "api")]

    centre_admin = make_user("huangpu", "centre-admin", superuser=True)
    with schema_context("huangpu"):
        centre_key = Token.objects.create(user=centre_admin).key
    refused = client_for(None).get(FACTS, HTTP_AUTHORIZATION=f"Token {centre_key}")
    assert refused.status_code == 401  # tokens are per schema: the bureau's table does not know it
    assert client_for(None).get(FACTS, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401
    assert ReportAccess.objects.count() == 1


def test_not_on_a_centres_host(facts):
    centre_admin = make_user("huangpu", "centre-admin", superuser=True)
    client = client_for("huangpu")
    with schema_context("huangpu"):
        client.force_login(centre_admin)
        key = Token.objects.create(user=centre_admin).key
    for url in (FACTS, INDICATORS, SCORECARDS):
        assert client.get(url).status_code == 404, url
        assert client_for("huangpu").get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 404, url
    assert "/api/reports/facts/" not in client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert ReportAccess.objects.count() == 0


def test_the_same_queries_for_one_centre_or_three(facts, analyst, django_assert_max_num_queries):
    client = session_client(analyst)
    client.get(FACTS, {"year": YEAR})  # the host's centre is kept from now on (tenants.middleware)
    counts = []
    for chosen in (["huangpu"], ["huangpu", "putuo", "changning"]):
        # host and schema (2), session, user, groups, centre codes, indicators, centres, refresh states, facts, log
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            response = client.get(FACTS, {"year": YEAR, "centre": chosen, "breakdowns": "1"})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(11):
        assert client.get(FACTS, {"year": YEAR, "breakdowns": "1"}).status_code == 200


def test_indicator_definitions(facts, django_user_model):
    client = session_client(bureau_user(django_user_model, "viewer", BureauRole.VIEWER))
    body = client.get(INDICATORS).json()
    assert body[0] == {
        "code": "cadres_total",
        "name": "在册军休干部",
        "unit": "人",
        "kind": "count",
        "area": "cadres",
        "formula": (
            "期末服务中的军休干部人数（在册、境外定居），含期末后去世者，不含期末后接收或转入者。"
            "按刷新时的登记数据回推。"
        ),
        "clause": "4.5.4",
        "higher_is_better": None,
        "breakdown": "",
    }
    level = next(i for i in body if i["code"] == "cadres_level")
    assert (level["breakdown"], level["higher_is_better"]) == ("level", None)
    on_time = next(i for i in body if i["code"] == "on_time_rate")
    assert (on_time["kind"], on_time["unit"], on_time["higher_is_better"]) == ("rate", "%", True)
    assert len(body) == 40


ITEMS = [
    {"indicator": "cadres_total", "target": 10, "weight": 60, "green": 8, "amber": 5},
    {"indicator": "lives_alone_rate", "target": 0.2, "weight": 40, "green": 0.15, "amber": 0.1},
]


def expected_results() -> list[dict]:
    # huangpu: 6/10 of the target of 60 points, (1/6)/0.2 of 40 → 69.3; putuo: 36 + none of 40.
    return [
        {
            "rank": 1,
            "centre": "huangpu",
            "centre_name": "黄浦区军休中心",
            "score": 69.3,
            "partial": False,
            "cells": [
                {"indicator": "cadres_total", "value": 6.0, "colour": "amber", "points": 36.0},
                {"indicator": "lives_alone_rate", "value": 1 / 6, "colour": "green", "points": 33.33},
            ],
        },
        {
            "rank": 2,
            "centre": "putuo",
            "centre_name": "普陀区军休中心",
            "score": 36.0,
            "partial": False,
            "cells": [
                {"indicator": "cadres_total", "value": 6.0, "colour": "amber", "points": 36.0},
                {"indicator": "lives_alone_rate", "value": 0.0, "colour": "red", "points": 0.0},
            ],
        },
    ]


def test_scorecards_drafts_for_analysts_published_for_all(facts, analyst, django_user_model):
    viewer = session_client(bureau_user(django_user_model, "viewer", BureauRole.VIEWER))
    head = session_client(bureau_user(django_user_model, "head", BureauRole.HEAD))
    with translation.override("zh-hans"):
        none_yet = gettext("There is no scorecard for %(year)d yet.") % {"year": YEAR}
    assert session_client(analyst).get(SCORECARDS, {"year": YEAR}).json() == {"detail": none_yet}

    card = scorecard_create(year=YEAR, title="2026年度考核", username="analyst")
    scorecard_items_save(scorecard=card, items=ITEMS)
    response = viewer.get(SCORECARDS, {"year": YEAR})
    assert (response.status_code, response.json()) == (404, {"detail": none_yet})  # a viewer sees no draft
    draft = session_client(analyst).get(SCORECARDS, {"year": YEAR}).json()
    items = [
        {
            "indicator": "cadres_total",
            "indicator_name": "在册军休干部",
            "target": 10.0,
            "weight": 60.0,
            "green": 8.0,
            "amber": 5.0,
        },
        {
            "indicator": "lives_alone_rate",
            "indicator_name": "独居、孤老占比",
            "target": 0.2,
            "weight": 40.0,
            "green": 0.15,
            "amber": 0.1,
        },
    ]
    assert draft == {
        "year": 2026,
        "version": 1,
        "title": "2026年度考核",
        "status": "draft",
        "published_at": None,
        "items": items,
        "results": expected_results(),
    }

    scorecard_publish(scorecard=card, username="head")
    card.refresh_from_db()
    published = viewer.get(SCORECARDS, {"year": YEAR}).json()
    assert (published["status"], published["published_at"]) == (
        "published",
        timezone.localtime(card.published_at).isoformat(),
    )
    assert published["results"] == expected_results()
    assert head.get(SCORECARDS, {"year": YEAR}).json() == published
    assert viewer.get(SCORECARDS, {"year": YEAR - 1}).status_code == 404


def test_the_bureau_hosts_schema_lists_the_reports_api(centres, django_user_model):
    client = session_client(bureau_user(django_user_model, "schema-reader", None))  # signed-in users only
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/reports/facts/", "/api/reports/indicators/", "/api/reports/scorecards/"} <= set(paths)
    assert not any(p.startswith("/api/registry/") for p in paths)  # a centre's API is not the bureau's
    params = {p["name"] for p in paths["/api/reports/facts/"]["get"]["parameters"]}
    assert params == {"year", "quarter", "month", "centre", "indicator", "breakdowns", "page", "page_size"}
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content.decode()
    GENERATOR_STATS.reset()
    SchemaGenerator(urlconf="junxiu.urls_public").get_schema(public=True)
    assert (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)) == ({}, {})
