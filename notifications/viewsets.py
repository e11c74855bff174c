"""Wagtail model viewsets: the centre admin edits the reminder rules and the holiday table."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet

from notifications.models import Holiday, ReminderRule
from notifications.services import RULE_FIELDS, reminder_rule_check_form, reminder_rule_validate

REMINDER_MENU_HOOK = "register_reminders_menu_item"
FORM_FIELDS = ["key", *RULE_FIELDS, "working_days_only", "starts_on", "active"]


class ReminderRuleForm(WagtailAdminModelForm):
    """Refuses an impossible cadence, an unknown form or field, or an escalation loop, saying which."""

    class Meta:
        model = ReminderRule
        fields = FORM_FIELDS
        help_texts = {
            "subject_filter": _(
                'Which cadres, e.g. {"state": ["active"], "any_flags": ["lives_alone", "childless"], "level": '
                '["division"]}; flags: lives_alone, childless, bedridden, disabled, dementia, in_care_home. Empty: all.'
            ),
            "cadence": _(
                'One of: {"every": "day"} (or week, month, quarter, year); {"yearly_on": "10-31"}; {"lunar": "09-09"}; '
                '{"festival": "spring_festival"}; {"after_field": "transfer_in_date", "days": 30}.'
            ),
            "fulfilment": _(
                'What closes an item, e.g. {"form": "visit-record", "date_field": "visit_date", "answers": '
                '{"visit_type": "daily_call"}}; or {"health_check": true}; {"training": "security"}; '
                '{"passport_handed_in": true}. Empty: closed by hand.'
            ),
            "responsible": _("liaison (the cadre's liaison, else the centre head) or head."),
            "escalation": _(
                'Steps when late, in order of days, e.g. [{"after_days": 0, "to": "supervisor"}, {"after_days": 3, '
                '"to": "head"}].'
            ),
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            reminder_rule_validate(
                subject=data["subject"],
                cadence=data["cadence"] or {},
                fulfilment=data.get("fulfilment") or {},
                escalation=data.get("escalation") or [],
            )
            reminder_rule_check_form(fulfilment=data.get("fulfilment") or {})
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return data

    def save(self, commit=True):
        self.instance.swept_at = None  # what fulfils the rule may have changed: the next sweep reads everything
        return super().save(commit=commit)


class ReminderRuleViewSet(ModelViewSet):
    model = ReminderRule
    name = "reminder_rules"
    icon = "list-ul"
    menu_label = _("Reminder rules")
    menu_order = 400
    menu_name = "reminders-rules"
    menu_hook = REMINDER_MENU_HOOK
    list_display = ["title", "clause", "subject", "responsible", "starts_on", "active"]
    list_filter = ["subject", "active"]
    search_fields = ["title", "clause", "key"]

    def get_form_class(self, for_update=False):
        return ReminderRuleForm


class HolidayViewSet(ModelViewSet):
    model = Holiday
    name = "reminder_holidays"
    icon = "date"
    menu_label = _("Holidays and make-up workdays")
    menu_order = 500
    menu_name = "reminders-holidays"
    menu_hook = REMINDER_MENU_HOOK
    form_fields = ["date", "kind", "name"]
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]


VIEWSETS = [ReminderRuleViewSet(), HolidayViewSet()]
