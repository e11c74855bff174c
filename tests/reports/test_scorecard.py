"""The yearly scorecard: editing (weights add up to 100), scores and ranks as computed by hand, publishing freezes,
revising keeps the published version, who may do what; a centre's own result and its improvement actions in its
admin, nothing of another centre; the improved flag once next year's figures exist."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils.html import escape
from django.utils.translation import gettext as _

from reports.models import Fact, ImprovementAction, Scorecard, ScorecardResult
from reports.roles import BureauRole, bureau_role_grant
from reports.selectors import improvement_actions
from reports.services import improvement_action_create, scorecard_create, scorecard_items_save, scorecard_publish
from tenants.models import Centre
from tenants.roles import Role, role_group_name
from tests.conftest import PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

YEAR = 2025
# on_time_rate: a rate, higher is better; complaint_answer_days: a median in days, lower is better.
ROWS = [("on_time_rate", "95", "60", "95", "85"), ("complaint_answer_days", "2", "40", "2", "5")]
EVALUATION = "/admin/evaluation/"


def bureau_client(django_user_model, username: str, role: BureauRole):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    bureau_role_grant(user=user, role=role)
    client = client_for(None)
    client.force_login(user)
    return client


def centre_login(code: str, username: str, role: Role):
    make_user(code, username, groups=(role_group_name(role),))
    client = client_for(code)
    assert client.post("/admin/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def fact(centre: Centre, period: str, indicator: str, value, numerator=None, denominator=None) -> None:
    Fact.objects.create(
        centre=centre,
        year=int(period[:4]),
        period_type="year" if len(period) == 4 else "month",
        period=period,
        indicator=indicator,
        value=value,
        numerator=numerator,
        denominator=denominator,
    )


def form_data(rows, *, title: str = "2025年度考评", names: bool = False) -> dict:
    data = {
        "title": title,
        "items-TOTAL_FORMS": str(len(rows) + 1),  # and one empty row, as the page sends
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    if names:
        data["show_centre_names"] = "on"
    for n, (code, target, weight, green, amber) in enumerate(rows):
        data.update(
            {
                f"items-{n}-indicator": code,
                f"items-{n}-target": target,
                f"items-{n}-weight": weight,
                f"items-{n}-green": green,
                f"items-{n}-amber": amber,
            }
        )
    return data


@pytest.fixture
def city(established):
    """Three centres open since 2020. 2025: huangpu 90% on time and 3 days, putuo 98% and 1.5 days, changning 50% and
    no complaint answered (no figure). 2024: huangpu 76%, putuo 95% on time."""
    hp, pt, cn = (established[c] for c in ("huangpu", "putuo", "changning"))
    fact(hp, "2025", "on_time_rate", 0.9, 90, 100)
    fact(hp, "2025", "complaint_answer_days", 3.0)
    fact(pt, "2025", "on_time_rate", 0.98, 98, 100)
    fact(pt, "2025", "complaint_answer_days", 1.5)
    fact(cn, "2025", "on_time_rate", 0.5, 50, 100)
    fact(cn, "2025", "complaint_answer_days", None)
    fact(hp, "2025-03", "on_time_rate", 0.8, 8, 10)
    fact(hp, "2024", "on_time_rate", 0.76, 76, 100)
    fact(pt, "2024", "on_time_rate", 0.95, 95, 100)
    last_year = scorecard_create(year=2024, title="2024年度考评")
    scorecard_items_save(
        scorecard=last_year,
        items=[{"indicator": "on_time_rate", "target": 0.95, "weight": 100, "green": 0.95, "amber": 0.85}],
    )
    scorecard_publish(scorecard=last_year)  # huangpu 80.0, putuo 100.0
    return {"huangpu": hp, "putuo": pt, "changning": cn}


def ranking(response) -> list[tuple]:
    """(centre code, rank, score, partial, change, colours of the cells) of each row of the ranking, in order."""
    assert response.status_code == 200
    body = response.content.decode()
    rows = []
    for code, row in re.findall(r'<tr data-centre="([a-z]+)">(.*?)</tr>', body, re.S):
        rank = re.search(r'class="num rank">([^<]*)<', row)[1]
        score = re.search(r'class="num score">([^<]*)<', row)[1]
        change = re.search(r'class="num change[^"]*">([^<]*)<', row)[1]
        colours = tuple(re.findall(r'data-colour="([a-z]+)"', row))
        rows.append((code, rank, score, 'class="partial"' in row, change, colours))
    return rows


def make_2025(client) -> Scorecard:
    response = client.post("/reports/scorecard/new/", {"year": YEAR, "title": "2025年度考评"})
    card = Scorecard.objects.get(year=YEAR)
    assert response.status_code == 302 and response["Location"] == f"/reports/scorecard/{card.pk}/edit/"
    return card


def test_weights_that_do_not_add_up_to_100_are_refused_and_nothing_is_saved(city, django_user_model):
    analyst = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    card = make_2025(analyst)
    rows = [ROWS[0], ("complaint_answer_days", "2", "30", "2", "5")]
    response = analyst.post(f"/reports/scorecard/{card.pk}/edit/", form_data(rows, title="改过的标题"))
    assert response.status_code == 400
    message = _("The weights add up to %(total)s; they must add up to 100.") % {"total": "90"}
    assert escape(message) in response.content.decode()
    assert re.search(r'<output id="weight-total"[^>]*>90</output>', response.content.decode())
    card.refresh_from_db()
    assert (card.items.count(), card.title, card.status) == (0, "2025年度考评", "draft")


def test_scores_and_ranks_are_as_computed_by_hand(city, django_user_model):
    analyst = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    card = make_2025(analyst)
    response = analyst.post(f"/reports/scorecard/{card.pk}/edit/", form_data(ROWS))
    assert response.status_code == 302
    # Rates are typed as percents and stored as fractions; days as they are.
    assert list(card.items.values_list("indicator__code", "target", "weight", "green", "amber")) == [
        ("on_time_rate", 0.95, 60, 0.95, 0.85),
        ("complaint_answer_days", 2.0, 40, 2.0, 5.0),
    ]
    # huangpu: 60 × 0.90/0.95 + 40 × 2/3 = 56.84 + 26.67 = 83.5 (3.5 up on 80.0);
    # putuo: both targets reached = 100.0 (100.0 last year); changning: no complaint figure, so only
    # 60 × 0.50/0.95 = 31.58 of 60 counts, renormalised to 52.6, and partial.
    expected = [
        ("putuo", "1", "100.0", False, "+0.0", ("green", "green")),
        ("huangpu", "2", "83.5", False, "+3.5", ("amber", "amber")),
        ("changning", "3", "52.6", True, "—", ("red", "none")),
    ]
    assert ranking(analyst.get(f"/reports/scorecard/?year={YEAR}")) == expected
    body = analyst.get(f"/reports/scorecard/?year={YEAR}").content.decode()
    assert f'href="/reports/drill/on_time_rate/huangpu/?year={YEAR}&amp;version=1"' in body
    assert '<td data-value="83.5">83.5</td>' in body  # the chart's table

    # The edit page shows the rate again as a percent.
    edit = analyst.get(f"/reports/scorecard/{card.pk}/edit/").content.decode()
    assert 'name="items-0-target" value="95"' in edit and 'name="items-0-weight" value="60"' in edit


def test_publishing_freezes_and_revising_keeps_the_published_version(city, django_user_model):
    analyst = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    head = bureau_client(django_user_model, "head", BureauRole.HEAD)
    card = make_2025(analyst)
    assert analyst.post(f"/reports/scorecard/{card.pk}/edit/", form_data(ROWS)).status_code == 302
    assert head.get(f"/reports/scorecard/{card.pk}/publish/").status_code == 200  # the confirm step
    response = head.post(f"/reports/scorecard/{card.pk}/publish/", {"confirm": "yes"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.status, card.published_by) == ("published", "head")
    frozen = ranking(head.get(f"/reports/scorecard/?year={YEAR}"))
    assert [(r[0], r[2]) for r in frozen] == [("putuo", "100.0"), ("huangpu", "83.5"), ("changning", "52.6")]

    # The figures change afterwards: the published results do not.
    Fact.objects.filter(centre=city["huangpu"], period="2025", indicator="on_time_rate").update(value=0.5)
    assert ranking(head.get(f"/reports/scorecard/?year={YEAR}")) == frozen
    # Nor can it be edited.
    response = analyst.post(f"/reports/scorecard/{card.pk}/edit/", form_data([ROWS[0]]))
    assert response.status_code == 400 and card.items.count() == 2

    response = analyst.post(f"/reports/scorecard/{card.pk}/revise/")
    draft = Scorecard.objects.get(year=YEAR, version=2)
    assert response.status_code == 302 and response["Location"] == f"/reports/scorecard/{draft.pk}/edit/"
    assert (draft.status, draft.items.count()) == ("draft", 2)
    assert list(ScorecardResult.objects.filter(scorecard=card).values_list("centre__schema_name", "score")) == [
        ("putuo", 100.0),
        ("huangpu", 83.5),
        ("changning", 52.6),
    ]
    # The latest published is still version 1; the draft is computed from today's figures (huangpu now 50%):
    # 60 × 0.5/0.95 + 26.67 = 58.2.
    assert ranking(head.get(f"/reports/scorecard/?year={YEAR}")) == frozen
    draft_rows = ranking(head.get(f"/reports/scorecard/?year={YEAR}&version=2"))
    assert [(r[0], r[1], r[2]) for r in draft_rows] == [
        ("putuo", "1", "100.0"),
        ("huangpu", "2", "58.2"),
        ("changning", "3", "52.6"),
    ]
    assert ranking(head.get(f"/reports/scorecard/?year={YEAR}&version=1")) == frozen


def test_who_may_edit_and_publish(city, django_user_model):
    analyst = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    viewer = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    head = bureau_client(django_user_model, "head", BureauRole.HEAD)
    card = make_2025(analyst)
    assert analyst.post(f"/reports/scorecard/{card.pk}/edit/", form_data(ROWS)).status_code == 302

    # The viewer neither creates, edits nor sees the draft.
    assert viewer.get(f"/reports/scorecard/{card.pk}/edit/").status_code == 403
    assert viewer.post(f"/reports/scorecard/{card.pk}/edit/", form_data([ROWS[0]], title="x")).status_code == 403
    assert viewer.post("/reports/scorecard/new/", {"year": 2026, "title": "x"}).status_code == 403
    assert viewer.get(f"/reports/scorecard/?year={YEAR}&version=1").status_code == 404
    assert ranking(viewer.get(f"/reports/scorecard/?year={YEAR}")) == []
    # The analyst may not publish; the head may.
    assert analyst.get(f"/reports/scorecard/{card.pk}/publish/").status_code == 403
    assert analyst.post(f"/reports/scorecard/{card.pk}/publish/", {"confirm": "yes"}).status_code == 403
    card.refresh_from_db()
    assert (card.status, card.items.count(), card.title, Scorecard.objects.filter(year=YEAR).count()) == (
        "draft",
        2,
        "2025年度考评",
        1,
    )
    assert ScorecardResult.objects.filter(scorecard=card).count() == 0
    assert head.post(f"/reports/scorecard/{card.pk}/publish/", {"confirm": "yes"}).status_code == 302
    card.refresh_from_db()
    assert card.status == "published"
    assert [r[0] for r in ranking(viewer.get(f"/reports/scorecard/?year={YEAR}"))] == ["putuo", "huangpu", "changning"]


def test_no_scorecard_yet_offers_the_create_form_to_editors_only(city, django_user_model):
    analyst = bureau_client(django_user_model, "analyst", BureauRole.ANALYST)
    viewer = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    assert 'action="/reports/scorecard/new/"' in analyst.get("/reports/scorecard/?year=2026").content.decode()
    body = viewer.get("/reports/scorecard/?year=2026").content.decode()
    assert 'action="/reports/scorecard/new/"' not in body
    assert escape(_("No scorecard has been published for %(year)s.") % {"year": 2026}) in body


def published_2025(*, names: bool = False) -> Scorecard:
    card = scorecard_create(year=YEAR, title="2025年度考评")
    scorecard_items_save(
        scorecard=card,
        items=[
            {"indicator": "on_time_rate", "target": 0.95, "weight": 60, "green": 0.95, "amber": 0.85},
            {"indicator": "complaint_answer_days", "target": 2, "weight": 40, "green": 2, "amber": 5},
        ],
        show_centre_names=names,
    )
    return scorecard_publish(scorecard=card, username="head")


def test_the_drill_down_of_a_cell(city, django_user_model):
    published_2025()
    viewer = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    response = viewer.get(f"/reports/drill/on_time_rate/huangpu/?year={YEAR}&version=1")
    assert response.status_code == 200
    body = response.content.decode()
    figures = body[body.index('class="report-table drill-figures"') : body.index("</table>")]
    assert re.search(r'class="num value rag rag-amber"[^>]*>90\.0%', figures)
    assert '<td class="num numerator">90</td>' in figures
    assert '<td class="num denominator">100</td>' in figures
    assert '<td class="num median">90.0%</td>' in figures  # median of 90%, 98%, 50%
    assert '<td class="num before">76.0%</td>' in figures
    # Month by month: March's figure, and the other months without one.
    trend = body[body.index('data-chart="line"') :]
    assert '<td data-value="0.8">80.0%</td>' in trend
    assert trend.count('<td data-value="">—</td>') == 2 * 11
    assert viewer.get(f"/reports/drill/no_such/huangpu/?year={YEAR}").status_code == 404
    assert viewer.get(f"/reports/drill/on_time_rate/nowhere/?year={YEAR}").status_code == 404


def evaluation_menu(client) -> bool:
    page = client.get("/admin/").content.decode()
    props = json.loads(re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', page)[1])
    main_menu = next(m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule")
    return any(item["_args"][0]["name"] == "evaluation" for item in main_menu["_args"][0])


def test_a_centre_admin_sees_its_own_result_and_records_actions(city):
    published_2025()
    admin = centre_login("huangpu", "hp-admin", Role.CENTRE_ADMIN)
    assert evaluation_menu(admin)
    assert 'data-score="83.5"' in admin.get(EVALUATION).content.decode()  # the latest published year by default
    response = admin.get(f"{EVALUATION}?year={YEAR}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-score="83.5" data-rank="2" data-count="3"' in body
    on_time = re.search(r'<tr data-indicator="on_time_rate" data-colour="amber">(.*?)</tr>', body, re.S)[1]
    assert "90.0%" in on_time and "（90 / 100）" in on_time  # its own numerator and denominator
    assert "<td>90.0%</td>" in on_time  # the city median
    days = re.search(r'<tr data-indicator="complaint_answer_days" data-colour="amber">(.*?)</tr>', body, re.S)[1]
    assert "<td>2.2</td>" in days  # median of 3 and 1.5 days (changning has no figure)
    assert 'name="add-on_time_rate-goal"' in body and 'name="add-complaint_answer_days-goal"' in body
    # Anonymised: other centres appear as ranks and scores only.
    assert "普陀区军休中心" not in body and "长宁区军休中心" not in body
    assert re.findall(r"<tr(?: class=\"own\")?><td>(\d)</td>.*?<td>([\d.]+)</td></tr>", body) == [
        ("1", "100.0"),
        ("2", "83.5"),
        ("3", "52.6"),
    ]

    response = admin.post(
        f"{EVALUATION}?year={YEAR}",
        {
            "indicator_code": "on_time_rate",
            "add-on_time_rate-indicator": "on_time_rate",
            "add-on_time_rate-goal": "逾期事项每周督办",
            "add-on_time_rate-owner": "王科长",
            "add-on_time_rate-due_on": "2026-06-30",
        },
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert (action.centre.schema_name, action.year, action.indicator.code, action.goal, action.owner) == (
        "huangpu",
        YEAR,
        "on_time_rate",
        "逾期事项每周督办",
        "王科长",
    )
    assert (action.due_on, action.status, action.created_by) == (dt.date(2026, 6, 30), "planned", "hp-admin")
    response = admin.post(f"{EVALUATION}actions/{action.pk}/status/", {f"a{action.pk}-status": "in_progress"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert "逾期事项每周督办" in admin.get(f"{EVALUATION}?year={YEAR}").content.decode()

    # A missing goal is refused and nothing is recorded.
    response = admin.post(
        f"{EVALUATION}?year={YEAR}",
        {
            "indicator_code": "complaint_answer_days",
            "add-complaint_answer_days-indicator": "complaint_answer_days",
            "add-complaint_answer_days-goal": "",
            "add-complaint_answer_days-owner": "李",
            "add-complaint_answer_days-due_on": "2026-06-30",
        },
    )
    assert response.status_code == 400 and ImprovementAction.objects.count() == 1


def test_another_centre_sees_none_of_it(city):
    published_2025()
    action = improvement_action_create(
        centre=city["huangpu"],
        year=YEAR,
        indicator_code="on_time_rate",
        goal="逾期事项每周督办",
        owner="王科长",
        due_on=dt.date(2026, 6, 30),
    )
    putuo = centre_login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    body = putuo.get(f"{EVALUATION}?year={YEAR}").content.decode()
    assert 'data-score="100.0" data-rank="1" data-count="3"' in body
    assert "逾期事项每周督办" not in body and "王科长" not in body
    assert "黄浦区军休中心" not in body and "（90 / 100）" not in body
    # Its indicators are green: nothing to record; a huangpu action cannot be changed from here.
    assert 'name="add-on_time_rate-goal"' not in body
    response = putuo.post(
        f"{EVALUATION}?year={YEAR}",
        {
            "indicator_code": "on_time_rate",
            "add-on_time_rate-indicator": "on_time_rate",
            "add-on_time_rate-goal": "x",
            "add-on_time_rate-owner": "x",
            "add-on_time_rate-due_on": "2026-06-30",
        },
    )
    assert response.status_code == 404
    response = putuo.post(f"{EVALUATION}actions/{action.pk}/status/", {f"a{action.pk}-status": "done"})
    assert response.status_code == 404
    action.refresh_from_db()
    assert (action.status, ImprovementAction.objects.count()) == ("planned", 1)

    # Staff who are not the centre's admins neither see the menu nor open the page.
    editor = centre_login("huangpu", "hp-editor", Role.EDITOR)
    assert not evaluation_menu(editor)
    assert editor.get(f"{EVALUATION}?year={YEAR}").status_code == 404
    assert editor.post(f"{EVALUATION}actions/{action.pk}/status/", {f"a{action.pk}-status": "done"}).status_code == 404
    # The bureau's portal is not served on a centre's host.
    assert putuo.get(f"/reports/scorecard/?year={YEAR}").status_code == 404


def test_centre_names_are_shown_when_the_scorecard_says_so(city):
    published_2025(names=True)
    putuo = centre_login("putuo", "pt-admin", Role.CENTRE_ADMIN)
    body = putuo.get(f"{EVALUATION}?year={YEAR}").content.decode()
    assert "黄浦区军休中心" in body and "长宁区军休中心" in body


def test_the_improved_flag_with_next_years_figures(city, django_user_model):
    published_2025()
    for code, due_on in (("on_time_rate", dt.date(2026, 6, 30)), ("complaint_answer_days", dt.date(2026, 9, 30))):
        improvement_action_create(
            centre=city["huangpu"], year=YEAR, indicator_code=code, goal=code, owner="王", due_on=due_on
        )
    viewer = bureau_client(django_user_model, "viewer", BureauRole.VIEWER)
    page = viewer.get(f"/reports/actions/?year={YEAR}").content.decode()
    assert page.count('data-improved=""') == 2  # 2026 has no figures yet

    fact(city["huangpu"], "2026", "on_time_rate", 0.95, 95, 100)  # up: better
    fact(city["huangpu"], "2026", "complaint_answer_days", 4.0)  # up: worse, lower is better
    assert [(a.indicator.code, a.before_text, a.after_text, a.improved) for a in improvement_actions(year=YEAR)] == [
        ("on_time_rate", "90.0%", "95.0%", True),
        ("complaint_answer_days", "3.0", "4.0", False),
    ]
    page = viewer.get(f"/reports/actions/?year={YEAR}&centre=huangpu").content.decode()
    rows = re.findall(r'<tr data-action="\d+">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert "90.0% → 95.0%" in rows[0] and 'data-improved="true"' in rows[0]
    assert "3.0 → 4.0" in rows[1] and 'data-improved="false"' in rows[1]
    other = viewer.get(f"/reports/actions/?year={YEAR}&centre=putuo").content.decode()
    assert re.findall(r'<tr data-action="\d+">', other) == []


def test_list_pages_read_in_a_bounded_number_of_queries(city, django_user_model, django_assert_max_num_queries):
    published_2025()
    for centre in city.values():
        for code in ("on_time_rate", "complaint_answer_days"):
            improvement_action_create(
                centre=centre, year=YEAR, indicator_code=code, goal=code, owner="王", due_on=dt.date(2026, 6, 30)
            )
    head = bureau_client(django_user_model, "head", BureauRole.HEAD)
    # Most of these are the bureau role looked up again for each link of the navigation (reports.access).
    with django_assert_max_num_queries(17):
        assert head.get(f"/reports/scorecard/?year={YEAR}").status_code == 200
    with django_assert_max_num_queries(14):
        response = head.get(f"/reports/actions/?year={YEAR}")
    assert len(re.findall(r'<tr data-action="\d+">', response.content.decode())) == 6
