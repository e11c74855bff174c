"""Reminder screens in the Wagtail admin: today's worklist, waiving, the inbox, preferences, failed messages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from notifications.channels import channels
from notifications.delivery import (
    available_channels,
    delivery_failures,
    delivery_retry,
    inbox_list,
    inbox_mark_all_read,
    inbox_mark_read,
    preference_save,
)
from notifications.models import Delivery, DueItem, NotificationPreference
from notifications.selectors import (
    TABS,
    cadre_timeline,
    due_item_markable,
    due_item_waivable,
    due_items_mark_allowed,
    stale_counts_for_user,
    stale_items_for_user,
    worklist_page,
    worklist_pending_for_user,
)
from notifications.services import (
    due_item_mark_done,
    due_item_waive,
    due_items_close_by_records,
    due_items_waive_stale,
)
from registry.masking import mask_phone

PAGE_SIZE = 50
FAILURES_SINCE = dt.timedelta(days=30)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


class ReminderView(WagtailAdminTemplateMixin, TemplateView):
    """A reminders screen; `permission`, when set, is required (403 otherwise)."""

    permission: str | None = None
    breadcrumbs_items: list = []

    def dispatch(self, request, *args, **kwargs):
        if self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


TAB_LABELS = {
    "all": gettext_lazy("All due"),
    "today": gettext_lazy("Due today"),
    "overdue": gettext_lazy("Overdue"),
    "week": gettext_lazy("This week"),
}


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class TodayView(ReminderView):
    """今日待办: the signed-in staff member's items by tab (all due, today, overdue, this week) with a count on each,
    filtered by rule and rest home (kept in the address); each item leads to its work (去填写 opens its form filled
    in, a call is marked done with a note) or is waived with a reason; stale items are waived in one step."""

    template_name = "notifications/today.html"
    page_title = gettext_lazy("Today's work")
    header_icon = "tasks"

    def get_context_data(self, errors=None, **kwargs):
        request, errors = self.request, errors or {}
        tab = request.GET.get("tab", "all")
        tab = tab if tab in TABS else "all"
        rule_id, rest_home_id = _int_or_none(request.GET.get("rule")), _int_or_none(request.GET.get("rest_home"))
        pending = worklist_pending_for_user(user=request.user)
        closed = due_items_close_by_records(items=pending)  # a record saved since the sweep closes its item now
        page = worklist_page(
            items=[item for item in pending if item.pk not in closed],
            tab=tab,
            rule_id=rule_id,
            rest_home_id=rest_home_id,
        )
        back = request.get_full_path()
        due_items_mark_allowed(user=request.user, items=page["items"])
        for item in page["items"]:
            item.waive_error, item.reason_value = errors.get(("waive", item.pk), ("", ""))
            item.done_error, item.note_value = errors.get(("done", item.pk), ("", ""))
            if item.fill:
                item.fill_url = (
                    reverse("forms_engine:submission_fill", args=[item.fill["form_id"]])
                    + "?"
                    + urlencode({**item.fill["query"], "next": back})
                )
        stale = stale_counts_for_user(user=request.user)
        for row in stale:
            row["error"], row["reason"] = errors.get(("stale", row["rule"]), ("", ""))
        filters = {k: v for k, v in (("rule", rule_id), ("rest_home", rest_home_id)) if v is not None}
        tabs = [
            {
                "name": name,
                "label": TAB_LABELS[name],
                "count": page["counts"][name],
                "active": name == tab,
                "url": "?" + urlencode({"tab": name, **filters}),
            }
            for name in TABS
        ]
        return super().get_context_data(
            tab=tab, tabs=tabs, rule_id=rule_id, rest_home_id=rest_home_id, stale=stale, **page, **kwargs
        )

    def post(self, request):
        action = request.POST.get("action")
        try:
            if action == "waive_stale":
                rule_id = _int_or_none(request.POST.get("rule"))
                key = ("stale", rule_id)
                count = due_items_waive_stale(
                    items=stale_items_for_user(user=request.user).filter(rule_id=rule_id),
                    reason=request.POST.get("reason", ""),
                    user=request.user,
                    expected=_int_or_none(request.POST.get("expected")) or 0,
                )
                messages.success(
                    request, _("Waived %(count)d items dated before the rule came into force.") % {"count": count}
                )
            elif action in ("waive", "done"):
                item = DueItem.objects.select_related("rule").filter(pk=_int_or_none(request.POST.get("item"))).first()
                allowed = due_item_waivable if action == "waive" else due_item_markable
                if item is None or not allowed(user=request.user, item=item):
                    raise Http404  # not theirs, or not pending: the same answer as a missing one
                key = (action, item.pk)
                if action == "waive":
                    due_item_waive(item=item, reason=request.POST.get("reason", ""), user=request.user)
                    messages.success(
                        request, _("Waived: %(rule)s (%(period)s).") % {"rule": item.rule, "period": item.period_key}
                    )
                else:
                    due_item_mark_done(item=item, note=request.POST.get("note", ""), user=request.user)
                    messages.success(
                        request, _("Done: %(rule)s (%(period)s).") % {"rule": item.rule, "period": item.period_key}
                    )
            else:
                raise Http404
        except ValidationError as error:
            typed = request.POST.get("reason" if action != "done" else "note", "")
            errors = {key: (" ".join(error.messages), typed)}
            return self.render_to_response(self.get_context_data(errors=errors), status=400)
        return redirect(request.get_full_path())


class WaiveView(ReminderView):
    """POST: waive one due item, saying why."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        item = get_object_or_404(DueItem, pk=pk)
        if not due_item_waivable(user=request.user, item=item):
            raise Http404  # not theirs, or not pending: the same answer as a missing one
        try:
            due_item_waive(item=item, reason=request.POST.get("reason", ""), user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Waived: %(rule)s (%(period)s).") % {"rule": item.rule, "period": item.period_key}
            )
        return _back(request, reverse("reminders_today"))


class InboxView(ReminderView):
    """消息: the signed-in user's own in-app messages; marking one or all read."""

    template_name = "notifications/inbox.html"
    page_title = gettext_lazy("Messages")
    header_icon = "mail"

    def get_context_data(self, **kwargs):
        page = Paginator(inbox_list(user=self.request.user), PAGE_SIZE).get_page(self.request.GET.get("p"))
        return super().get_context_data(page=page, **kwargs)

    def post(self, request):
        if request.POST.get("all"):
            inbox_mark_all_read(user=request.user)
        else:
            try:
                inbox_mark_read(user=request.user, delivery_id=int(request.POST.get("id", "")))
            except (ValueError, Delivery.DoesNotExist) as exc:
                raise Http404 from exc
        return redirect("reminders_inbox")


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Also tell me by"), required=False, widget=forms.CheckboxSelectMultiple
    )
    quiet_from = forms.TimeField(label=gettext_lazy("No SMS from"), required=False, help_text="21:00")
    quiet_until = forms.TimeField(label=gettext_lazy("No SMS until"), required=False, help_text="08:00")
    daily_digest = forms.BooleanField(
        label=gettext_lazy("One digest a day instead of a message per rule"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"email": _("E-mail"), "sms": _("SMS"), "wecom": _("WeCom group")}
        self.fields["channels"].choices = [(name, labels.get(name, name)) for name in available_channels()]


class PreferenceView(ReminderView):
    """提醒设置: how the signed-in user is told (the inbox is always on)."""

    template_name = "notifications/preferences.html"
    page_title = gettext_lazy("How I am reminded")
    header_icon = "cog"

    def get_context_data(self, form=None, **kwargs):
        if form is None:
            preference = NotificationPreference.objects.filter(user=self.request.user).first()
            initial = (
                {
                    "channels": preference.channels,
                    "quiet_from": preference.quiet_from,
                    "quiet_until": preference.quiet_until,
                    "daily_digest": preference.daily_digest,
                }
                if preference
                else {}
            )
            form = PreferenceForm(initial=initial)
        return super().get_context_data(form=form, **kwargs)

    def post(self, request):
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                preference_save(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("reminders_preferences")
        return self.render_to_response(self.get_context_data(form=form))


class FailureView(ReminderView):
    """发送失败: messages that failed or wait for a retry, for the centre admin; a failed one may be sent again."""

    template_name = "notifications/failures.html"
    page_title = gettext_lazy("Messages not delivered")
    header_icon = "warning"
    permission = "notifications.view_delivery"

    def get_context_data(self, **kwargs):
        failures = delivery_failures(since=timezone.now() - FAILURES_SINCE)
        page = Paginator(failures, PAGE_SIZE).get_page(self.request.GET.get("p"))
        for delivery in page.object_list:  # a cadre's SMS has no login: the number, masked, says who it was for
            delivery.recipient = str(delivery.user) if delivery.user else mask_phone(delivery.address) or "—"
        return super().get_context_data(page=page, channel_names=list(channels()), **kwargs)

    def post(self, request):
        if not request.user.has_perm("notifications.change_delivery"):
            raise PermissionDenied
        try:
            delivery = delivery_retry(delivery_id=int(request.POST.get("id", "")))
        except (ValueError, Delivery.DoesNotExist) as exc:
            raise Http404 from exc
        if delivery.status == Delivery.Status.QUEUED:
            messages.success(request, _("Queued again: %(subject)s") % {"subject": delivery.subject})
        return redirect("reminders_failures")


def cadre_timeline_tab(*, request, cadre) -> str:
    """The 提醒记录 tab of a cadre's page: what was due and when it was done, with waiving where allowed."""
    items = cadre_timeline(cadre_id=cadre.pk)
    for item in items:
        item.waivable = due_item_waivable(user=request.user, item=item)
    return render_to_string("notifications/cadre_timeline.html", {"items": items, "request": request}, request=request)
