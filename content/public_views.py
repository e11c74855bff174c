"""Views of the public site besides Wagtail's pages: the display-mode switch and the site search."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from content.display import DISPLAY_COOKIE, DISPLAY_COOKIE_AGE, display_mode
from content.search import public_pages_search, search_query_clean
from content.views import local_url


@require_GET
@never_cache
def display_set(request: HttpRequest) -> HttpResponse:
    """Remember the reader's text size or colours, then go back to the page they were reading."""
    mode = display_mode(request).changed(text=request.GET.get("text"), colours=request.GET.get("colours"))
    next_url = local_url(request, request.GET.get("next", ""), "/")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        DISPLAY_COOKIE,
        mode.key,
        max_age=DISPLAY_COOKIE_AGE,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response


@require_GET
def site_search(request: HttpRequest) -> HttpResponse:
    """Search the live pages of this centre's site."""
    from wagtail.models import Site

    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    query = search_query_clean(request.GET.get("q", ""))
    page_obj, hits = public_pages_search(site=site, query=query, page_number=request.GET.get("page"))
    return TemplateResponse(request, "content/search.html", {"search_query": query, "page_obj": page_obj, "hits": hits})
