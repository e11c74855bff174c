"""The editing form of the centre's pages: a new page starts dated today with a paragraph ready to type, and a page
never published gets a short pinyin address instead of its Chinese title percent-encoded."""

from __future__ import annotations

from django.utils import timezone
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page

SLUG_MAX_LENGTH = 40


def page_slug_readable(*, title: str, parent: Page | None, page: Page | None = None) -> str:
    """The pinyin of `title` as an address part, free among `parent`'s children (-2, -3… when taken); "" when the
    title gives no letter or digit."""
    from registry.selectors import text_slug

    base = text_slug(title, max_length=SLUG_MAX_LENGTH)
    if not base:
        return ""
    slug, number = base, 2
    while parent is not None and not Page._slug_is_available(slug, parent, page):
        slug, number = f"{base}-{number}", number + 1
    return slug


class ContentPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or not self.instance._state.adding:
            return
        if "date" in self.fields and not self.initial.get("date"):
            self.initial["date"] = timezone.localdate()
        if "body" in self.fields and not self.initial.get("body"):
            block = self.fields["body"].block
            self.initial["body"] = block.to_python([{"type": "paragraph", "value": ""}])

    def clean_slug(self) -> str:
        """A page that was never public may still change its address: a Chinese (or empty) one becomes pinyin."""
        slug = self.cleaned_data.get("slug", "")
        if self.instance.first_published_at is not None or (slug and slug.isascii()):
            return slug
        title = self.cleaned_data.get("title") or self.data.get("title", "")
        return page_slug_readable(title=title, parent=self.parent_page, page=self.instance) or slug
