"""A centre's facts, computed from data made through the real services, against figures worked out by hand.

The huangpu fixture (as of 15 June 2026; Table 1 of the standard aside, every figure below is counted on paper):

cadre  born        level     kind    home  situation                 lifecycle
A      1950-01-10  division  lixiu   东    lives alone
B      1946-08-01  division  tuixiu  东    childless
C      1940-03-15  regiment  lixiu   东    bedridden
D      1935-05-20  regiment  tuixiu  西    dementia, in a care home
E      1926-02-01  nco       tuixiu  西    disabled                  100 on 1 February 2026
F      1960-04-01  nco       tuixiu  —                               received 10 April 2026
G      1938-09-09  division  lixiu   西    lives alone               died 20 May 2026
H      1948-11-11  division  tuixiu  西                              living abroad

Reminders (only the quarterly visit to cadres living alone, childless or bedridden: A, B, C, G): Q1 due 31 March —
A visited 10 February (on time), B waived, C never (missed, escalated twice), G visited 25 March but noted on
3 April (done late). Complaints (answer within 15 days): see `complaints` below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_engine.library import (
    BUREAU_PREFIX,
    bureau_template_push,
    bureau_template_save,
    form_from_template,
    form_template_get,
)
from forms_engine.models import FormDefinition
from forms_engine.services import form_publish, submission_create, submission_move
from notifications.models import DueItem, ReminderRule
from notifications.services import due_item_waive, due_items_sweep
from registry.idcard import resident_id_make
from registry.lifecycle import (
    cadre_death_record,
    cadre_receive,
    cadre_transfer_approve,
    cadre_transfer_execute,
    cadre_transfer_request,
)
from registry.models import Cadre, FacilityRoom, RestHome
from registry.services import cadre_create
from reports.compute import TABLE_1, centre_facts_compute, table1_minimum
from reports.models import CentreRefresh, Fact, Indicator
from reports.periods import Period
from reports.roles import BureauRole, bureau_role_grant
from reports.selectors import cell_text, centre_states, city_total, facts_grids, format_value
from reports.services import centre_facts_refresh
from tenants.models import Centre
from tenants.services import centre_create, centre_retire
from tests.conftest import PASSWORD, client_for, make_user, publish_notice
from tests.registry.conftest import new_cadre
from tests.reports.conftest import at, clock, facts_of, rounded, values_of

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 6, 15)
ROOMS = [room for room in TABLE_1]
QUESTIONS = ["overall", "q_attitude", "q_response", "q_visits", "q_health", "q_activities", "q_information"]


# --------------------------------------------------------------------------------------------------- the fixture


def visit(cadre: Cadre, day: dt.date, when: dt.datetime) -> None:
    form = FormDefinition.objects.filter(key="visit-record").first() or form_from_template(template_key="visit-record")
    if form.current_version_id is None:
        form_publish(form=form)
        form.refresh_from_db()
    with clock(when):
        submission_create(
            form=form,
            data={"cadre": cadre.pk, "visit_type": "quarterly_visit", "visit_date": day.isoformat()},
            cadre=cadre,
        )


def sweep(when: dt.datetime) -> None:
    with clock(when):
        due_items_sweep(today=when.date())


def complaint(form, *, channel: str, received: dt.datetime, moves=(), **answers):
    """A complaint received at `received` and moved along the workflow at the given moments."""
    data = {"channel": channel, "received_at": received.strftime("%Y-%m-%dT%H:%M"), "content": "反映问题", **answers}
    with clock(received):
        made = submission_create(form=form, data=data)
    for state, when in moves:
        with clock(when):
            made = submission_move(submission=made, to=state)
    return made


def answered_at(form, *, channel, received, answered, closed=None, **answers):
    moves = [
        ("assigned", received + dt.timedelta(hours=1)),
        ("handling", received + dt.timedelta(hours=2)),
        ("answered", answered),
    ]
    if closed:
        moves.append(("closed", closed))
    return complaint(form, channel=channel, received=received, moves=moves, **answers)


@pytest.fixture
def huangpu_year(centres):
    with schema_context("huangpu"):
        east = RestHome.objects.create(name="东休养所", building_area=Decimal("40"))
        west = RestHome.objects.create(name="西休养所", building_area=Decimal("35.5"))
        FacilityRoom.objects.create(rest_home=east, room_type="meeting", floor_area=Decimal("120"))
        FacilityRoom.objects.create(rest_home=west, room_type="reading", floor_area=Decimal("30"))
        FacilityRoom.objects.create(rest_home=east, room_type="other", floor_area=Decimal("50"))

        people = {
            "A": new_cadre("安德", seq=101, born=D(1950, 1, 10), rest_home=east, lives_alone=True),
            "B": new_cadre("白立", seq=102, born=D(1946, 8, 1), rest_home=east, kind="tuixiu", childless=True),
            "C": new_cadre("陈平", seq=103, born=D(1940, 3, 15), rest_home=east, level="regiment", bedridden=True),
            "D": new_cadre(
                "邓华",
                seq=104,
                born=D(1935, 5, 20),
                rest_home=west,
                level="regiment",
                kind="tuixiu",
                dementia=True,
                in_care_home=True,
            ),
            "E": new_cadre(
                "鄂强", seq=105, born=D(1926, 2, 1), rest_home=west, level="nco", kind="tuixiu", disabled=True
            ),
            "F": new_cadre("方正", seq=106, born=D(1960, 4, 1), level="nco", kind="tuixiu"),
            "G": new_cadre("葛明", seq=107, born=D(1938, 9, 9), rest_home=west, lives_alone=True),
            "H": new_cadre("韩光", seq=108, born=D(1948, 11, 11), rest_home=west, kind="tuixiu", state="abroad"),
        }

        # Reminders: the quarterly visit only, so every item is one we know.
        ReminderRule.objects.exclude(key="quarterly-visit").update(active=False)
        sweep(at(2026, 1, 5, 8))
        assert DueItem.objects.filter(period_key="2026-Q1").count() == 4  # A, B, C, G
        visit(people["A"], D(2026, 2, 10), at(2026, 2, 10, 10))
        sweep(at(2026, 2, 10, 10, 30))
        with clock(at(2026, 2, 11)):
            due_item_waive(item=DueItem.objects.get(subject_id=people["B"].pk, period_key="2026-Q1"), reason="住院")
        visit(people["G"], D(2026, 3, 25), at(2026, 4, 3, 9))  # noted after the due date
        sweep(at(2026, 4, 3, 9, 30))
        sweep(at(2026, 4, 20, 9))  # C's item escalates: to the supervisor after 7 days, the head after 14
        q1 = dict(DueItem.objects.filter(period_key="2026-Q1").values_list("subject_id", "state"))
        assert q1 == {
            people["A"].pk: "done",
            people["B"].pk: "waived",
            people["C"].pk: "escalated",
            people["G"].pk: "done",
        }

        cadre_receive(cadre=people["F"], user=None, received_on=D(2026, 4, 10))
        cadre_death_record(cadre=people["G"], user=None, died_on=D(2026, 5, 20))

        # Complaints.
        form = form_from_template(template_key="complaint")
        form_publish(form=form)
        form.refresh_from_db()
        answered_at(  # K1: answered in 3 days, closed in 8, result fed back
            form,
            channel="phone",
            received=at(2026, 3, 2, 9),
            answered=at(2026, 3, 5, 9),
            closed=at(2026, 3, 10, 9),
            feedback_given=True,
        )
        answered_at(  # K2: answered in 20 days (late), closed in 22, not fed back
            form,
            channel="letter",
            received=at(2026, 3, 10, 9),
            answered=at(2026, 3, 30, 9),
            closed=at(2026, 4, 1, 9),
            feedback_given=False,
        )
        answered_at(  # K3: answered in 7.5 days, fed back
            form, channel="internet", received=at(2026, 4, 1, 9), answered=at(2026, 4, 8, 21), feedback_given=True
        )
        complaint(  # K4: escalated to the bureau, answered in 11 days
            form,
            channel="on_site",
            received=at(2026, 5, 20, 9),
            moves=[("escalated", at(2026, 5, 21, 9)), ("answered", at(2026, 5, 31, 9))],
        )
        complaint(form, channel="phone", received=at(2026, 6, 1, 9))  # K5: open, still within its 15 days
        complaint(  # K6: serious, never answered: overdue since 16 May
            form, channel="phone", received=at(2026, 5, 1, 9), serious=True, escalation_note="已报告区退役军人事务局"
        )

    # The bureau's satisfaction survey, pushed to the centre, answered twice.
    source = form_template_get(template_key="satisfaction-survey")
    template = bureau_template_save(
        key="satisfaction", title=source["title"], fields=source["fields"], purpose=source["purpose"]
    )
    bureau_template_push(template=template, centres=["huangpu"])
    with schema_context("huangpu"):
        survey = FormDefinition.objects.get(key=BUREAU_PREFIX + "satisfaction")
        for when, scores in (
            (at(2026, 3, 15), [5, 4, 4, 5, 3, 4, 5]),
            (at(2026, 5, 10), [3, 5, 2, 4, 4, 3, 4]),
        ):
            with clock(when):
                submission_create(
                    form=survey,
                    data={"year": 2026, "method": "democratic", **dict(zip(QUESTIONS, scores, strict=True))},
                )
    with clock(at(2026, 3, 3)):
        publish_notice("huangpu", title="春节慰问安排", slug="spring-visits")
    return people


def expected_year() -> dict:
    """Every fact of huangpu's year 2026 as of 15 June: (value, numerator, denominator)."""
    count = {}
    for code, cells in {
        "cadres_total": {"": 7},
        "cadres_level": {"division": 3, "regiment": 2, "nco": 2},
        "cadres_kind": {"lixiu": 2, "tuixiu": 5},
        "cadres_age": {"under70": 1, "70-79": 3, "80-89": 1, "90-99": 1, "100plus": 1},
        "cadres_situation": {
            "lives_alone": 1,
            "childless": 1,
            "bedridden": 1,
            "disabled": 1,
            "dementia": 1,
            "in_care_home": 1,
        },
        "cadres_rest_home": {"东休养所": 3, "西休养所": 3, "-": 1},
        "cadres_received": {"": 1},
        "cadres_transferred_in": {"": 0},
        "cadres_transferred_out": {"": 0},
        "cadres_deceased": {"": 1},
        "due_items": {"": 3, "quarterly-visit": 3},
        "due_on_time": {"": 1, "quarterly-visit": 1},
        "due_late": {"": 1, "quarterly-visit": 1},
        "due_missed": {"": 1, "quarterly-visit": 1},
        "escalations": {"": 1, "quarterly-visit": 1},
        "complaints": {"": 6, "on_site": 1, "phone": 3, "letter": 1, "internet": 1},
        "complaints_overdue": {"": 2},
        "complaints_escalated": {"": 2},
        "survey_responses": {"": 2},
        "notices_published": {"": 1},
        "policies_published": {"": 0},
        "activities_held": {"": 0},
        "activity_signups": {"": 0},
        "courses_offered": {"": 0},
        "course_enrolments": {"": 0},
    }.items():
        count |= {(code, key): (value, None, None) for key, value in cells.items()}
    survey = {
        "": (55 / 14, 55, 14),
        "overall": (4.0, 8, 2),
        "q_attitude": (4.5, 9, 2),
        "q_response": (3.0, 6, 2),
        "q_visits": (4.5, 9, 2),
        "q_health": (3.5, 7, 2),
        "q_activities": (3.5, 7, 2),
        "q_information": (4.5, 9, 2),
    }
    rooms = {room: (0.0, 0.0, None) for room in ROOMS} | {
        "meeting": (120.0, 120.0, None),
        "reading": (30.0, 30.0, None),
    }
    return (
        count
        | {
            ("lives_alone_rate", ""): (2 / 7, 2, 7),  # A lives alone, B is childless
            ("very_old_rate", ""): (3 / 7, 3, 7),  # C 86, D 91, E 100
            ("on_time_rate", ""): (1 / 3, 1, 3),  # B waived: not counted
            ("on_time_rate", "quarterly-visit"): (1 / 3, 1, 3),
            ("complaint_answer_days", ""): (9.25, None, 4),  # days 3, 7.5, 11, 20
            ("complaint_answer_p90", ""): (17.3, None, 4),  # 11 + 0.7 × (20 − 11)
            ("complaint_close_days", ""): (15.0, None, 2),  # days 8, 22
            ("complaint_close_p90", ""): (20.6, None, 2),
            ("complaint_on_time_rate", ""): (0.6, 3, 5),  # K1, K3, K4 of K1–K4 and K6 (K5 not due yet)
            ("complaint_feedback_rate", ""): (0.5, 2, 4),  # K1, K3 of the four answered
            ("complaint_satisfaction", ""): (None, 0, 0),  # the form records none
            ("survey_response_rate", ""): (2 / 7, 2, 7),
            ("building_area_per_cadre", ""): (75.5 / 7, 75.5, 7),
            ("rooms_met_rate", ""): (None, 0, 0),  # fewer than 50 cadres: "as needed"
        }
        | {("survey_score", key): cell for key, cell in survey.items()}
        | {("room_area", room): cell for room, cell in rooms.items()}
    )


# --------------------------------------------------------------------------------------------------- the figures


def test_every_fact_of_the_year_is_the_hand_computed_one(huangpu_year, centres):
    state = centre_facts_refresh(centre=centres["huangpu"], year=2026, today=TODAY)
    assert (state.status, state.error) == (CentreRefresh.Status.OK, "")
    assert rounded(facts_of(centres["huangpu"], "2026")) == rounded(expected_year())
    # Periods begun by 15 June only: the year, two quarters, six months.
    assert sorted(set(Fact.objects.filter(centre=centres["huangpu"]).values_list("period", flat=True))) == [
        "2026",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-Q1",
        "2026-Q2",
    ]


def test_the_stock_of_a_past_period_is_counted_at_its_end(huangpu_year, centres):
    centre_facts_refresh(centre=centres["huangpu"], year=2026, today=TODAY)
    q1 = values_of(centres["huangpu"], "2026-Q1")
    # On 31 March: G still alive, F not yet received.
    assert q1[("cadres_total", "")] == 7
    assert {k: v for (code, k), v in q1.items() if code == "cadres_level"} == {"division": 4, "regiment": 2, "nco": 1}
    assert {k: v for (code, k), v in q1.items() if code == "cadres_kind"} == {"lixiu": 3, "tuixiu": 4}
    assert {k: v for (code, k), v in q1.items() if code == "cadres_age"} == {
        "under70": 0,
        "70-79": 3,
        "80-89": 2,
        "90-99": 1,
        "100plus": 1,
    }
    assert {k: v for (code, k), v in q1.items() if code == "cadres_rest_home"} == {"东休养所": 3, "西休养所": 4}
    assert round(q1[("lives_alone_rate", "")], 6) == round(3 / 7, 6)  # A, B and G
    assert round(q1[("very_old_rate", "")], 6) == round(4 / 7, 6)  # C, D, E, G
    assert (q1[("cadres_received", "")], q1[("cadres_deceased", "")]) == (0, 0)

    january = values_of(centres["huangpu"], "2026-01")
    # E is 99 on 31 January and 100 on 28 February.
    assert (january[("cadres_age", "90-99")], january[("cadres_age", "100plus")]) == (2, 0)
    february = values_of(centres["huangpu"], "2026-02")
    assert (february[("cadres_age", "90-99")], february[("cadres_age", "100plus")]) == (1, 1)

    april, may = values_of(centres["huangpu"], "2026-04"), values_of(centres["huangpu"], "2026-05")
    # F counts from April; G, who died on 20 May, is in April's stock but not May's, and counted dead in May.
    assert (april[("cadres_total", "")], april[("cadres_received", "")], april[("cadres_deceased", "")]) == (8, 1, 0)
    assert (may[("cadres_total", "")], may[("cadres_received", "")], may[("cadres_deceased", "")]) == (7, 0, 1)
    assert april[("cadres_rest_home", "-")] == 1
    assert (april[("cadres_situation", "lives_alone")], may[("cadres_situation", "lives_alone")]) == (2, 1)
    q2 = values_of(centres["huangpu"], "2026-Q2")
    assert (q2[("cadres_total", "")], q2[("cadres_received", "")], q2[("cadres_deceased", "")]) == (7, 1, 1)


def test_reminder_compliance_by_period(huangpu_year, centres):
    centre_facts_refresh(centre=centres["huangpu"], year=2026, today=TODAY)
    march = facts_of(centres["huangpu"], "2026-03")
    assert [march[(code, "")] for code in ("due_items", "due_on_time", "due_late", "due_missed", "escalations")] == [
        (3, None, None),
        (1, None, None),
        (1, None, None),
        (1, None, None),
        (1, None, None),
    ]
    assert rounded({"rate": march[("on_time_rate", "")]}) == rounded({"rate": (1 / 3, 1, 3)})
    # Q2's items fall due on 30 June, after the figures' date: nothing is due in Q2 yet, so no rate.
    q2 = facts_of(centres["huangpu"], "2026-Q2")
    assert q2[("due_items", "")] == (0, None, None)
    assert q2[("on_time_rate", "")] == (None, 0, 0)
    assert ("on_time_rate", "quarterly-visit") not in q2
    with schema_context("huangpu"):
        assert DueItem.objects.filter(period_key="2026-Q2").count() == 4  # made, open, not yet due


def test_complaints_by_quarter(huangpu_year, centres):
    centre_facts_refresh(centre=centres["huangpu"], year=2026, today=TODAY)
    q1, q2 = facts_of(centres["huangpu"], "2026-Q1"), facts_of(centres["huangpu"], "2026-Q2")
    assert rounded({k: v for k, v in q1.items() if k[0].startswith("complaint")}) == rounded(
        {
            ("complaints", ""): (2, None, None),
            ("complaints", "on_site"): (0, None, None),
            ("complaints", "phone"): (1, None, None),
            ("complaints", "letter"): (1, None, None),
            ("complaints", "internet"): (0, None, None),
            ("complaint_answer_days", ""): (11.5, None, 2),  # days 3 and 20
            ("complaint_answer_p90", ""): (18.3, None, 2),  # 3 + 0.9 × 17
            ("complaint_close_days", ""): (15.0, None, 2),  # K2 closed in April still counts for March
            ("complaint_close_p90", ""): (20.6, None, 2),
            ("complaint_on_time_rate", ""): (0.5, 1, 2),
            ("complaints_overdue", ""): (1, None, None),
            ("complaints_escalated", ""): (0, None, None),
            ("complaint_feedback_rate", ""): (0.5, 1, 2),
            ("complaint_satisfaction", ""): (None, 0, 0),
        }
    )
    assert rounded({k: v for k, v in q2.items() if k[0].startswith("complaint")}) == rounded(
        {
            ("complaints", ""): (4, None, None),
            ("complaints", "on_site"): (1, None, None),
            ("complaints", "phone"): (2, None, None),
            ("complaints", "letter"): (0, None, None),
            ("complaints", "internet"): (1, None, None),
            ("complaint_answer_days", ""): (9.25, None, 2),  # days 7.5 and 11
            ("complaint_answer_p90", ""): (10.65, None, 2),
            ("complaint_close_days", ""): (None, None, 0),
            ("complaint_close_p90", ""): (None, None, 0),
            ("complaint_on_time_rate", ""): (2 / 3, 2, 3),  # K3, K4 of K3, K4, K6
            ("complaints_overdue", ""): (1, None, None),
            ("complaints_escalated", ""): (2, None, None),  # K4 moved to the bureau, K6 marked serious
            ("complaint_feedback_rate", ""): (0.5, 1, 2),
            ("complaint_satisfaction", ""): (None, 0, 0),
        }
    )
    june = facts_of(centres["huangpu"], "2026-06")
    # K5, received 1 June, is not late on 15 June: not yet counted either way.
    assert (june[("complaints", "")], june[("complaints_overdue", "")]) == ((1, None, None), (0, None, None))
    assert june[("complaint_on_time_rate", "")] == (None, 0, 0)


def test_a_zero_denominator_is_no_value_and_reads_as_a_dash(huangpu_year, centres):
    centre_facts_refresh(centre=centres["huangpu"], year=2026, today=TODAY)
    centre_facts_refresh(centre=centres["changning"], year=2026, today=TODAY)  # no cadres, nothing at all
    empty = facts_of(centres["changning"], "2026")
    for code in ("lives_alone_rate", "very_old_rate", "on_time_rate", "complaint_on_time_rate", "survey_score"):
        assert empty[(code, "")][0] is None, code
    assert empty[("building_area_per_cadre", "")] == (None, 0, 0)
    assert empty[("complaint_answer_days", "")] == (None, None, 0)
    indicators = {i.code: i for i in Indicator.objects.all()}
    ids = [centres["huangpu"].pk, centres["changning"].pk]
    grids = facts_grids(periods=[Period(2026)], codes=["on_time_rate", "complaint_satisfaction"], centre_ids=ids)
    rate = grids[("2026", "on_time_rate")]
    assert cell_text(indicators["on_time_rate"], rate.cell(centres["changning"].pk)) == "—"
    assert cell_text(indicators["on_time_rate"], rate.cell(centres["huangpu"].pk)) == "33.3%"
    # The city's rate is made from the summed numerators and denominators; nobody recorded a satisfaction score.
    assert city_total(rate, ids).value == pytest.approx(1 / 3)
    satisfaction = grids[("2026", "complaint_satisfaction")]
    assert format_value(indicators["complaint_satisfaction"], city_total(satisfaction, ids).value) == "—"


def test_no_value_reads_as_a_dash_on_the_centre_page_and_null_in_the_api(established, django_user_model):
    centre_facts_refresh(centre=established["changning"], year=2026, today=TODAY)
    user = django_user_model.objects.create_user(username="head", password=PASSWORD)
    bureau_role_grant(user=user, role=BureauRole.HEAD)
    client = client_for(None)
    client.force_login(user)
    page = client.get("/reports/centre/changning/", {"year": 2026})
    assert page.status_code == 200
    assert "—" in page.content.decode()
    api = client.get("/api/reports/facts/", {"year": 2026, "centre": "changning", "indicator": "on_time_rate"})
    assert [(r["indicator"], r["value"], r["denominator"]) for r in api.json()["results"]] == [
        ("on_time_rate", None, 0.0)
    ]


# --------------------------------------------------------------------------------------------------- transfers


def test_a_transfer_counts_out_of_one_centre_and_into_the_other(centres):
    """The transfer is executed today (the services stamp the real date), so this runs in the current year."""
    today = timezone.localdate()
    with schema_context("huangpu"):
        moving = new_cadre("孙迁", seq=201, born=D(1945, 1, 2))
        staying = new_cadre("钱留", seq=202, born=D(1945, 1, 3))
        # Received by huangpu this year: a reception that stays huangpu's, not putuo's.
        cadre_receive(cadre=moving, user=None, received_on=D(today.year, 1, 1))
    chief = make_user("huangpu", "chief")
    with schema_context("huangpu"):
        chief.user_permissions.add(Permission.objects.get(codename="approve_cadretransfer"))
        chief = type(chief).objects.get(pk=chief.pk)  # fresh permission cache
    with schema_context("huangpu"):
        transfer = cadre_transfer_request(cadre=moving, user=chief, target_centre="putuo", requested_on=today)
        cadre_transfer_approve(transfer=transfer, user=chief, approved_on=today)
        cadre_transfer_execute(transfer=transfer, user=chief)
        assert list(Cadre.objects.values_list("pk", flat=True)) == [staying.pk]
    for code in ("huangpu", "putuo"):
        assert centre_facts_refresh(centre=centres[code], year=today.year).status == CentreRefresh.Status.OK

    month = Period(today.year, "month", today.month).key
    codes = ("cadres_total", "cadres_received", "cadres_transferred_in", "cadres_transferred_out")
    for period in (str(today.year), month):
        huangpu, putuo = values_of(centres["huangpu"], period), values_of(centres["putuo"], period)
        assert [huangpu[(code, "")] for code in codes] == [1, 0, 0, 1], period
        assert [putuo[(code, "")] for code in codes] == [1, 0, 1, 0], period
    if today.month > 1:  # before the month of the transfer, putuo did not serve the cadre yet
        before = Period(today.year, "month", today.month - 1).key
        assert values_of(centres["putuo"], before)[("cadres_total", "")] == 0


# --------------------------------------------------------------------------------------------------- Table 1


@pytest.mark.parametrize(
    ("cadres", "meeting"), [(49, None), (50, 100.0), (100, 100.0), (101, 160.0), (300, 160.0), (301, 300.0)]
)
def test_table_1_bands(cadres, meeting):
    assert table1_minimum("meeting", cadres) == meeting


def test_a_centre_of_120_cadres_is_held_to_the_101_to_300_band(centres):
    with schema_context("putuo"):
        home = RestHome.objects.create(name="普陀第一休养所", building_area=Decimal("1500"))
        for n in range(120):
            cadre_create(
                name=f"测试{n}",
                id_number=resident_id_make("310107", D(1940, 1, 1) + dt.timedelta(days=n), n),
                level="regiment",
                kind="tuixiu",
                rest_home=home,
            )
        areas = {"meeting": 160, "calligraphy": 30, "gym": 36, "computer": 24, "archive": 20, "honour": 30}
        for room, area in areas.items():
            FacilityRoom.objects.create(rest_home=home, room_type=room, floor_area=Decimal(area))
    centre_facts_refresh(centre=centres["putuo"], year=2026, today=TODAY)
    year = facts_of(centres["putuo"], "2026")
    band = {room: float(minimums[1]) for room, minimums in TABLE_1.items()}  # 101–300 cadres
    assert {room: year[("room_area", room)] for room in ROOMS} == {
        room: (float(areas.get(room, 0)), float(areas.get(room, 0)), band[room]) for room in ROOMS
    }
    # Met: meeting 160 ≥ 160, gym 36 ≥ 36, computer 24 ≥ 24, archive 20 ≥ 20, honour 30 ≥ 24; not met:
    # calligraphy 30 < 36, and chess and reading have no room.
    assert year[("rooms_met_rate", "")] == (5 / 8, 5, 8)
    assert year[("building_area_per_cadre", "")] == (12.5, 1500, 120)


# --------------------------------------------------------------------------------------------------- centres


def test_a_cadre_made_in_putuo_changes_only_putuos_facts(huangpu_year, centres):
    for code in ("huangpu", "putuo"):
        centre_facts_refresh(centre=centres[code], year=2026, today=TODAY)
    huangpu_before = facts_of(centres["huangpu"], "2026")
    putuo_before = values_of(centres["putuo"], "2026")
    assert putuo_before[("cadres_total", "")] == 0
    assert putuo_before[("complaints", "")] == 0 and putuo_before[("due_items", "")] == 0
    with schema_context("putuo"):
        new_cadre("普陀一", seq=301, born=D(1944, 4, 4), lives_alone=True)
    for code in ("huangpu", "putuo"):
        centre_facts_refresh(centre=centres[code], year=2026, today=TODAY)
    assert facts_of(centres["huangpu"], "2026") == huangpu_before
    putuo = values_of(centres["putuo"], "2026")
    assert (putuo[("cadres_total", "")], putuo[("lives_alone_rate", "")]) == (1, 1.0)
    assert {key: value for key, value in putuo.items() if value != putuo_before.get(key)} == {
        ("cadres_total", ""): 1,
        ("cadres_level", "division"): 1,
        ("cadres_kind", "lixiu"): 1,
        ("cadres_age", "80-89"): 1,
        ("cadres_situation", "lives_alone"): 1,
        ("lives_alone_rate", ""): 1.0,
        ("very_old_rate", ""): 1.0,
        ("survey_response_rate", ""): 0.0,
        ("building_area_per_cadre", ""): 0.0,
        ("cadres_rest_home", "-"): 1,
    }


def test_a_retired_centre_keeps_its_facts_but_leaves_the_periods_after_it(established):
    changning = established["changning"]
    with schema_context("changning"):
        new_cadre("长宁一", seq=401, born=D(1942, 2, 2))
    centre_facts_refresh(centre=changning, year=2026, today=TODAY)
    before = facts_of(changning, "2026-03")
    assert before[("cadres_total", "")] == (1, None, None)
    with clock(at(2026, 3, 20)):
        centre_retire(code="changning")
    changning.refresh_from_db()
    assert facts_of(changning, "2026-03") == before  # retiring deletes no figures

    def chosen(period):
        return {s.centre.schema_name: s for s in centre_states(period=period)}

    assert "changning" in chosen(Period(2026, "month", 3))  # retired during March
    assert chosen(Period(2026, "month", 3))["changning"].retired
    assert "changning" in chosen(Period(2026, "quarter", 1)) and "changning" in chosen(Period(2026))
    assert "changning" not in chosen(Period(2026, "month", 4))
    assert "changning" not in chosen(Period(2026, "quarter", 2))
    # Its figures are recomputed up to the day it retired, however late the refresh.
    state = centre_facts_refresh(centre=changning, year=2026, today=TODAY)
    assert state.status == CentreRefresh.Status.OK
    assert sorted(set(Fact.objects.filter(centre=changning).values_list("period", flat=True))) == [
        "2026",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-Q1",
    ]
    assert values_of(changning, "2026")[("cadres_total", "")] == 1


def test_a_centre_created_mid_year_is_partial(centres):
    with clock(at(2026, 5, 10)):
        created = centre_create(code="jingantest", name="静安区军休中心（测试）")
    centre = Centre.objects.get(schema_name="jingantest")
    assert created is not None

    def state(period):
        return {s.centre.schema_name: s for s in centre_states(period=period)}.get("jingantest")

    assert state(Period(2026, "quarter", 1)) is None  # did not exist yet
    assert state(Period(2026)).partial and state(Period(2026, "quarter", 2)).partial
    assert state(Period(2026, "month", 5)).partial
    assert not state(Period(2026, "month", 6)).partial
    assert not state(Period(2026, "month", 3)) and not state(Period(2025))
    assert centre_facts_refresh(centre=centre, year=2026, today=TODAY).status == CentreRefresh.Status.OK


def test_compute_makes_nothing_for_a_year_not_begun(centres):
    with schema_context("huangpu"):
        assert centre_facts_compute(year=2027, today=TODAY) == []
