"""The bureau portal (public schema): the list of centres."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenants.selectors import centre_list, centre_primary_domain


@login_required
def centre_directory(request):
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    rows = [
        {"centre": centre, "domain": domain, "url": f"{request.scheme}://{domain}{suffix}/" if domain else ""}
        for centre in centre_list()
        for domain in [centre_primary_domain(centre)]
    ]
    return render(request, "tenants/centre_directory.html", {"rows": rows})
