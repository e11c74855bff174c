"""Admin URLs of the forms engine (under /admin/forms-engine/)."""

from forms_engine.admin_ui.urls import urlpatterns

app_name = "forms_engine"

__all__ = ["app_name", "urlpatterns"]
