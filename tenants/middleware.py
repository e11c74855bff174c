"""Pick the schema from the request's host: the bureau at the base domain, an active centre at its domain."""

from django.conf import settings
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from tenants.models import Centre


class CentreMiddleware(TenantMainMiddleware):
    """Unknown hosts, the template and retired centres all get 404; host names are compared in lower case."""

    @staticmethod
    def hostname_from_request(request):
        return TenantMainMiddleware.hostname_from_request(request).lower()

    def get_tenant(self, domain_model, hostname):
        if hostname == settings.JUNXIU_BASE_DOMAIN:
            return Centre.objects.get(schema_name=get_public_schema_name())
        domain = domain_model.objects.select_related("tenant").get(
            domain=hostname, tenant__kind=Centre.Kind.CENTRE, tenant__status=Centre.Status.ACTIVE
        )
        return domain.tenant
