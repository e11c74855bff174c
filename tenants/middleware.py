"""Pick the schema from the request's host: the bureau at the base domain, an active centre at its domain."""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.http import HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model

from tenants.models import Centre

# Host name → (the centre it resolved to, when that answer expires). Only found hosts are kept, so an unknown host
# always asks the database and cannot fill the cache. `_generation` counts the clearings: an answer read from the
# database while one happened is not kept (it may be the old one).
_hosts: dict[str, tuple[Centre, float]] = {}
_hosts_lock = threading.Lock()
_generation = 0
HOSTS_KEPT = 1000


def _hosts_forget() -> None:
    global _generation
    with _hosts_lock:
        _generation += 1
        _hosts.clear()


def host_cache_clear(**_signal) -> None:
    """Forget every host → centre answer of this process: now, and again when the changing transaction commits (a
    request meanwhile may have read the old rows). Connected to every save and delete of a centre or a domain."""
    _hosts_forget()
    if connection.in_atomic_block:
        transaction.on_commit(_hosts_forget)


class CentreMiddleware(TenantMainMiddleware):
    """Unknown hosts, the template and retired centres all get 404; host names are compared in lower case.

    A host's centre is kept in this process for JUNXIU_HOST_CACHE_SECONDS (each request would otherwise ask the
    public schema first); any change of a centre or a domain made in this process forgets them at once, one made in
    another process is seen within those seconds."""

    def process_request(self, request):
        """django-tenants' own steps, except that a connection whose session is already in the centre's search_path
        (the same centre as its thread's last request) is not sent `SET search_path` again: a round trip less."""
        in_effect = connection.search_path_set_schemas  # type: ignore[attr-defined]  # django-tenants' connection
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()
        domain_model = get_tenant_domain_model()
        try:
            tenant = self.get_tenant(domain_model, hostname)
        except domain_model.DoesNotExist:
            return self.no_tenant_found(request, hostname)
        if connection.search_path_set_schemas is not None:  # type: ignore[attr-defined]  # the lookup asked public
            in_effect = connection.search_path_set_schemas  # type: ignore[attr-defined]
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(request.tenant)  # type: ignore[attr-defined]
        # Forgotten by django-tenants on every set_tenant; still true unless the connection was closed or rolled back
        # since (both forget it too), so it is kept when it names the very schemas this request needs.
        if in_effect is not None and list(in_effect) == connection._get_cursor_search_paths():  # type: ignore[attr-defined]
            connection.search_path_set_schemas = in_effect  # type: ignore[attr-defined]
        self.setup_url_routing(request)

    @staticmethod
    def hostname_from_request(request):
        return TenantMainMiddleware.hostname_from_request(request).lower()

    def get_tenant(self, domain_model, hostname):
        seconds = settings.JUNXIU_HOST_CACHE_SECONDS
        kept = _hosts.get(hostname) if seconds > 0 else None
        if kept is not None and kept[1] > time.monotonic():
            return copy.copy(kept[0])  # each request its own instance (the middleware sets domain_url on it)
        generation = _generation
        centre = self._centre_for_host(domain_model, hostname)  # raises DoesNotExist: the 404, never kept
        if seconds > 0:
            with _hosts_lock:
                if generation == _generation:
                    if len(_hosts) >= HOSTS_KEPT:
                        _hosts.clear()
                    _hosts[hostname] = (copy.copy(centre), time.monotonic() + seconds)
        return centre

    @staticmethod
    def _centre_for_host(domain_model, hostname) -> Centre:
        if hostname == settings.JUNXIU_BASE_DOMAIN:
            return Centre.objects.get(schema_name=get_public_schema_name())
        domain = domain_model.objects.select_related("tenant").get(
            domain=hostname, tenant__kind=Centre.Kind.CENTRE, tenant__status=Centre.Status.ACTIVE
        )
        return domain.tenant
