"""City-wide content: the bureau writes a notice or policy once (public schema); every centre shows it as a page.

Each centre's copy is keyed by the item's id (`bureau_item_id`, unique in the centre), so a re-run updates instead of
duplicating; centres' editors cannot edit or remove it (content.wagtail_hooks); new centres get every current item
through a set-up step.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context
from wagtail.rich_text import RichText

from content.bureau.models import CitywideItem
from content.models import HomePage, NoticePage, PolicyPage, SectionPage

# Titles of the sections a city-wide item lands in when the centre has none yet (stored as data, like demo text).
SECTION_TITLES: dict[str, str] = {SectionPage.Kind.NOTICES: "通知公告", SectionPage.Kind.POLICIES: "政策文件"}
ITEM_FIELDS = ("kind", "title", "date", "document_number", "issuing_body", "effective_date", "summary", "body")


def citywide_item_save(*, item_id: int | None = None, **fields) -> CitywideItem:
    """Create or change a city-wide item (public schema); its version goes up when anything changed."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    with schema_context(get_public_schema_name()), transaction.atomic():
        item = CitywideItem() if item_id is None else CitywideItem.objects.select_for_update().get(pk=item_id)
        if item.pk and all(getattr(item, name) == value for name, value in fields.items()):
            return item
        for name, value in fields.items():
            setattr(item, name, value)
        if item.kind == CitywideItem.Kind.POLICY and not item.issuing_body:
            raise ValidationError({"issuing_body": _("A policy needs its issuing body.")})
        if item.pk:
            item.version += 1
        item.full_clean()
        item.save()
        return item


def citywide_item_withdraw(*, item_id: int, withdrawn: bool = True) -> CitywideItem:
    """Withdraw an item (every centre unpublishes its copy on the next publish), or put it back."""
    with schema_context(get_public_schema_name()), transaction.atomic():
        item = CitywideItem.objects.select_for_update().get(pk=item_id)
        if item.withdrawn != withdrawn:
            item.withdrawn = withdrawn
            item.version += 1
            item.save(update_fields=["withdrawn", "version", "updated_at"])
        return item


def citywide_publish(*, item_id: int, now: bool = True) -> dict[str, str]:
    """Bring every active centre's copy of an item up to date: now (returns the outcome per centre), or queued."""
    from tenants.tasks import centres_enqueue, centres_run

    func = "content.services.citywide.citywide_page_sync"
    if now:
        return centres_run(func=func, kwargs={"item_id": item_id})
    queued: dict[str, str] = {}
    transaction.on_commit(lambda: queued.update(centres_enqueue(func=func, kwargs={"item_id": item_id})))
    return queued


def _paragraphs(text: str) -> list[tuple[str, RichText]]:
    """Plain text as paragraph blocks: escaped, so nothing the bureau types becomes markup."""
    blocks = [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return [("paragraph", RichText("<p>" + escape(block).replace("\n", "<br/>") + "</p>")) for block in blocks]


def section_ensure(*, kind: str) -> SectionPage:
    """The centre's section of this kind; made and published under the home page when it has none."""
    section = SectionPage.objects.filter(kind=kind).order_by("path").first()
    if section is not None:
        return section
    home = HomePage.objects.get()
    section = SectionPage(title=SECTION_TITLES.get(kind, kind), slug=kind, kind=kind)
    home.add_child(instance=section)
    section.save_revision().publish()
    return section


def _copy_fields(item: CitywideItem) -> dict:
    common = {
        "title": item.title,
        "draft_title": item.title,
        "summary": item.summary,
        "body": _paragraphs(item.body),
        "bureau_item_id": item.pk,
        "bureau_version": item.version,
    }
    if item.kind == CitywideItem.Kind.POLICY:
        return {
            **common,
            "document_number": item.document_number,
            "issuing_body": item.issuing_body,
            "issued_on": item.date,
            "effective_date": item.effective_date or item.date,
        }
    return {**common, "date": item.date, "category": NoticePage.Category.NOTICE}


@transaction.atomic
def citywide_page_sync(*, item_id: int) -> str:
    """In the current centre: create, update, unpublish or leave alone the copy of one item; says which."""
    item = CitywideItem.objects.filter(pk=item_id).first()
    model, kind = (
        (PolicyPage, SectionPage.Kind.POLICIES)
        if item is not None and item.kind == CitywideItem.Kind.POLICY
        else (NoticePage, SectionPage.Kind.NOTICES)
    )
    page = (
        NoticePage.objects.filter(bureau_item_id=item_id).first()
        or PolicyPage.objects.filter(bureau_item_id=item_id).first()
    )
    if item is None or item.withdrawn:
        if page is None or not page.live:
            return "absent"
        page.unpublish(log_action=True)
        return "withdrawn"
    if page is not None and not isinstance(page, model):  # the bureau changed the kind: replace the copy
        page.delete()
        page = None
    if page is not None and page.bureau_version == item.version and page.live:
        return "unchanged"
    created = page is None
    if created:
        page = model(slug=f"bureau-{item.pk}")
        for name, value in _copy_fields(item).items():
            setattr(page, name, value)
        section_ensure(kind=kind).add_child(instance=page)
    else:
        for name, value in _copy_fields(item).items():
            setattr(page, name, value)
    page.save_revision(log_action=True).publish()
    return "created" if created else "updated"


def citywide_centre_setup(**_context) -> list[str]:
    """Set-up step: a new centre gets every current city-wide item."""
    ids = list(CitywideItem.objects.filter(withdrawn=False).order_by("pk").values_list("pk", flat=True))
    return [citywide_page_sync(item_id=item_id) for item_id in ids]
