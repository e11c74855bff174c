"""The bureau portal (public schema): the list of centres with their figures."""

from django.shortcuts import render

from registry.selectors import cadre_counts_by_centre
from reports.access import bureau_required, page_context
from tenants.selectors import centre_list, centre_primary_domain


@bureau_required()
def centre_directory(request):
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    counts = cadre_counts_by_centre()
    rows = [
        {
            "centre": centre,
            "domain": domain,
            "url": f"{request.scheme}://{domain}{suffix}/" if domain else "",
            "cadres": counts.get(centre.schema_name, 0),
        }
        for centre in centre_list()
        for domain in [centre_primary_domain(centre)]
    ]
    return render(request, "bureau/centre_directory.html", {**page_context(request), "rows": rows})
