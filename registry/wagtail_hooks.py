"""Registry screens in the Wagtail admin."""

from django.urls import include, path
from wagtail import hooks


@hooks.register("register_admin_urls")
def register_registry_urls():
    return [path("registry/", include("registry.admin_urls"))]
