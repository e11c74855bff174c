"""Tags of the public site's frame: the reader's display mode, and the centre's name, hotline and navigation."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import template
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from content.display import DisplayMode, display_mode
from content.page_cache import content_version, page_cache_seconds
from content.queries import cadre_session_id

register = template.Library()

# The navigation, in order: key, label. Each links to the first live page of its kind under the site's root, or is
# left out while the centre has none (contact falls back to the footer, which every page has).
NAV_LABELS = {
    "home": _("Home"),
    "notices": _("Notices"),
    "policies": _("Policies"),
    "activities": _("Activities"),
    "courses": _("Courses"),
    "services": _("Services"),
    "contact": _("Contact us"),
    "complaints": _("Complaints and suggestions"),
}
SECTION_KINDS = ("notices", "policies", "activities", "courses", "services")
CONTACT_FALLBACK = "#contact"
CADRE_PREFIX = "/cadre/"


@dataclass
class NavItem:
    key: str
    url: str
    current: str = ""  # "page" on the item's own page, "true" inside its section

    @property
    def label(self):
        return NAV_LABELS[self.key]


@dataclass
class CentreChrome:
    site_name: str
    hotline: str
    nav: list[NavItem] = field(default_factory=list)
    cadre_signed_in: bool = False  # the header offers 我的报名 and 退出 instead of the cadre log-in
    login_url: str = ""
    signups_url: str = ""

    @property
    def hotline_tel(self) -> str:
        return "".join(ch for ch in self.hotline if ch.isdigit() or ch == "+")


def _relative(url_path: str, root_path: str) -> str:
    return "/" + url_path[len(root_path) :]


def _chrome_build(site) -> dict:
    """The centre's name, hotline and navigation targets, as plain data (cached). On a page view the site's root
    page is already loaded by Wagtail's routing, so this costs one query."""
    from django.db.models import Q
    from wagtail.models import Page

    from content.models import HomePage

    try:
        root = site.root_page
    except Page.DoesNotExist:
        return {"site_name": site.site_name or "", "hotline": "", "nav": [("home", "/")]}
    if "specific" in root.__dict__:  # routed through it
        hotline = getattr(root.specific, "hotline", "")
    else:
        hotline = HomePage.objects.filter(pk=root.pk).values_list("hotline", flat=True).first() or ""
    candidates = (
        Page.objects.live()
        .filter(path__startswith=root.path, depth=root.depth + 1)
        .filter(
            Q(sectionpage__kind__in=SECTION_KINDS)
            | Q(slug="contact")
            | Q(formpage__form__purpose="complaint", formpage__form__public=True)
        )
        .order_by("path")
        .values_list("url_path", "slug", "sectionpage__kind", "formpage__form__purpose")
    )
    targets: dict[str, str] = {"home": "/"}
    for url_path, slug, kind, form_purpose in candidates:
        key = kind or ("complaints" if form_purpose == "complaint" else "contact" if slug == "contact" else "")
        if key:
            targets.setdefault(key, _relative(url_path, root.url_path))
    targets.setdefault("contact", CONTACT_FALLBACK)
    return {
        "site_name": site.site_name or root.title,
        "hotline": hotline,
        "nav": [(key, targets[key]) for key in NAV_LABELS if key in targets],
    }


def centre_chrome_for(request) -> CentreChrome | None:
    """The frame of the request's centre site, or None outside a centre (the bureau portal)."""
    if request is None or connection.schema_name == get_public_schema_name():
        return None
    from wagtail.models import Site

    site = getattr(request, "_wagtail_site", None) or Site.find_for_request(request)
    if site is None:
        return None
    seconds = page_cache_seconds()
    data = None
    if seconds > 0:
        key = f"content:chrome:{content_version()}:{site.pk}"
        data = cache.get(key)
    if data is None:
        data = _chrome_build(site)
        if seconds > 0:
            cache.set(key, data, timeout=seconds)
    path = request.path
    nav = []
    for key, url in data["nav"]:
        current = ""
        if url == path:
            current = "page"
        elif url not in ("/", CONTACT_FALLBACK) and path.startswith(url):
            current = "true"
        nav.append(NavItem(key=key, url=url, current=current))
    login_url = reverse("content_cadre:login")
    if not path.startswith(CADRE_PREFIX):  # back to the page the cadre was reading
        login_url += "?" + urlencode({"next": request.get_full_path()})
    return CentreChrome(
        site_name=data["site_name"],
        hotline=data["hotline"],
        nav=nav,
        cadre_signed_in=cadre_session_id(request) is not None,
        login_url=login_url,
        signups_url=reverse("content_cadre:signups"),
    )


@register.simple_tag(takes_context=True)
def centre_chrome(context) -> CentreChrome | None:
    return centre_chrome_for(context.get("request"))


@register.simple_tag(takes_context=True)
def reader_display(context) -> DisplayMode:
    request = context.get("request")
    return display_mode(request) if request is not None else DisplayMode()


@register.simple_tag(takes_context=True)
def display_url(context, *, text: str | None = None, colours: str | None = None) -> str:
    """The link that switches the display mode and comes back to this page."""
    request = context.get("request")
    params = {name: value for name, value in (("text", text), ("colours", colours)) if value}
    if request is not None:
        params["next"] = request.get_full_path()
    return f"{reverse('display')}?{urlencode(params)}"
