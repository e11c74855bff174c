"""The bureau portal's city-wide content screens (public schema): list, create, edit, withdraw and publish items.

Interfaces only: a save or a withdrawal calls the service, then queues the copy into every centre.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.bureau.forms import CitywideItemForm
from content.bureau.models import CitywideItem
from content.selectors import citywide_item_list
from content.services import citywide_item_save, citywide_item_withdraw, citywide_publish


def _bureau_staff(request) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


@login_required
def item_list(request):
    _bureau_staff(request)
    return render(request, "content_bureau/item_list.html", {"items": citywide_item_list()})


@login_required
def item_edit(request, item_id: int | None = None):
    _bureau_staff(request)
    item = None
    if item_id is not None:
        item = CitywideItem.objects.filter(pk=item_id).first()
        if item is None:
            raise Http404
    form = CitywideItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            saved = citywide_item_save(item_id=item_id, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            citywide_publish(item_id=saved.pk, now=False)
            messages.success(request, _("Saved. Every centre's site is being brought up to date."))
            return redirect("content_bureau:item_list")
    return render(
        request, "content_bureau/item_edit.html", {"form": form, "item": item}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def item_withdraw(request, item_id: int):
    _bureau_staff(request)
    if not CitywideItem.objects.filter(pk=item_id).exists():
        raise Http404
    withdrawn = request.POST.get("withdrawn", "1") == "1"
    citywide_item_withdraw(item_id=item_id, withdrawn=withdrawn)
    citywide_publish(item_id=item_id, now=False)
    messages.success(
        request,
        _("Withdrawn from every centre's site.") if withdrawn else _("Published again on every centre's site."),
    )
    return redirect("content_bureau:item_list")
