"""A re-sweep with nothing changed reads almost nothing; any change it depends on is still seen the same day."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django_tenants.utils import schema_context

from notifications.models import DueItem, ReminderRule
from notifications.services import SweepResult, due_items_sweep
from registry.models import Cadre, HealthCheck
from tests.notifications.test_sweep import items, visit

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 27)


def age_registry_history(hours: int = 1) -> None:
    """Stamp every registry change of this centre `hours` earlier, as if the people were entered then."""
    with connection.cursor() as cursor:
        for model in ("CadreEvent", "TripAbroadEvent", "StaffEvent", "HealthCheckEvent"):
            table = apps.get_model("registry", model)._meta.db_table
            cursor.execute(f"UPDATE {table} SET pgh_created_at = pgh_created_at - %s", [dt.timedelta(hours=hours)])  # noqa: S608


def snapshot() -> list[tuple]:
    return list(DueItem.objects.order_by("pk").values_list("pk", "state", "updated_at", "done_at", "escalation_level"))


def test_a_resweep_with_nothing_changed_reads_almost_nothing_and_writes_nothing(
    huangpu_people, django_assert_num_queries
):
    with schema_context("huangpu"):
        age_registry_history()
        first = due_items_sweep(today=TODAY)
        before, rules = snapshot(), list(ReminderRule.objects.order_by("pk").values_list("pk", "made_on", "made_at"))
        # In a savepoint: the registry's four change stamps, the rules, when a record of each of the 2 forms was
        # last changed, for each of the 12 form-fulfilled rules whether an item came since, for each of the 2 training
        # rules its pending items and trainings (no history to tell a change by), the overdue update and the
        # escalation's read.
        with django_assert_num_queries(2 + 4 + 1 + 2 + 12 + 2 * 2 + 1 + 1):
            again = due_items_sweep(today=TODAY)
        assert first.created == 21
        # Items made already late (this year's festivals) are made overdue, and counted so, with no second write.
        late = DueItem.objects.filter(state__in=["overdue", "escalated"])
        assert first.overdue == late.count() == 5
        assert set(late.values_list("created_at", flat=True)) == set(late.values_list("updated_at", flat=True))
        assert again == SweepResult(created=0, done=0, overdue=0, escalated=0)
        assert snapshot() == before
        assert list(ReminderRule.objects.order_by("pk").values_list("pk", "made_on", "made_at")) == rules


def test_a_cadre_changed_by_a_bulk_update_after_a_sweep_gets_their_items_the_same_day(huangpu_people):
    zeng = huangpu_people["zeng"]
    with schema_context("huangpu"):
        age_registry_history()
        due_items_sweep(today=TODAY)
        mine = DueItem.objects.filter(subject_type="cadre", subject_id=zeng.pk)
        before = set(mine.values_list("rule__key", flat=True))
        assert before == {"yearly-check-up"}
        Cadre.objects.filter(pk=zeng.pk).update(childless=True)  # no save(): only the history trigger sees it
        result = due_items_sweep(today=TODAY)
        made = sorted(mine.exclude(rule__key__in=before).values_list("rule__key", "period_key", "state"))
        # What a childless cadre has besides what every cadre has; the year's festivals already passed are overdue.
        assert made == [
            ("army-day", "2026", "overdue"),
            ("chongyang", "2026", "overdue"),
            ("daily-call", "2026-11-27", "open"),
            ("heat-wave-visit", "2026", "overdue"),
            ("quarterly-visit", "2026-Q4", "open"),
            ("spring-festival", "2026", "overdue"),
            ("weekly-greeting", "2026-W48", "open"),
            ("yearly-leader-visit", "2026", "open"),
        ]
        assert result.created == len(made)


def test_an_edited_rule_is_made_again_the_same_day(huangpu_people):
    with schema_context("huangpu"):
        age_registry_history()
        due_items_sweep(today=TODAY)
        assert DueItem.objects.filter(rule__key="daily-call").count() == 1
        ReminderRule.objects.filter(key="daily-call").update(subject_filter={"state": ["active"]})
        assert due_items_sweep(today=TODAY).created == 2
        assert DueItem.objects.filter(rule__key="daily-call").count() == 3


def test_a_visit_noted_after_a_quiet_resweep_closes_its_item(huangpu_people):
    wang = huangpu_people["wang"]
    with schema_context("huangpu"):
        age_registry_history()
        due_items_sweep(today=TODAY)
        assert due_items_sweep(today=TODAY).done == 0
        visit(wang, TODAY, "daily_call")
        assert due_items_sweep(today=TODAY).done == 1
        assert items("daily-call", subject_id=wang.pk) == [("2026-11-27", "done")]


def test_a_health_check_entered_after_a_quiet_resweep_closes_the_yearly_check_up(huangpu_people):
    zhao = huangpu_people["zhao"]
    with schema_context("huangpu"):
        age_registry_history()
        due_items_sweep(today=TODAY)
        assert items("yearly-check-up", subject_id=zhao.pk) == [("2026", "open")]
        due_items_sweep(today=TODAY)
        HealthCheck.objects.create(cadre=zhao, year=2026, date=D(2026, 11, 20))
        assert due_items_sweep(today=TODAY).done == 1
        assert items("yearly-check-up", subject_id=zhao.pk) == [("2026", "done")]


def test_medical_information_is_due_30_days_after_each_cadres_own_transfer_in(huangpu_people):
    wang, zeng, zhao = huangpu_people["wang"], huangpu_people["zeng"], huangpu_people["zhao"]
    with schema_context("huangpu"):
        ReminderRule.objects.filter(key="medical-info-after-transfer").update(starts_on=D(2026, 9, 1))  # in force
        Cadre.objects.filter(pk=wang.pk).update(transfer_in_date=D(2026, 11, 20))
        Cadre.objects.filter(pk=zeng.pk).update(transfer_in_date=D(2026, 10, 1))
        Cadre.objects.filter(pk=zhao.pk).update(transfer_in_date=D(2026, 12, 1))  # not yet: nothing due
        HealthCheck.objects.create(cadre=zeng, year=2026, date=D(2026, 10, 15))
        due_items_sweep(today=TODAY)
        made = DueItem.objects.filter(rule__key="medical-info-after-transfer").order_by("subject_id")
        assert list(made.values_list("subject_id", "period_key", "period_start", "due_on", "state", "assignee")) == [
            (wang.pk, "2026-11-20", D(2026, 11, 20), D(2026, 12, 20), "open", huangpu_people["liaison"].pk),
            (zeng.pk, "2026-10-01", D(2026, 10, 1), D(2026, 10, 31), "done", None),
        ]
        assert due_items_sweep(today=TODAY).created == 0
