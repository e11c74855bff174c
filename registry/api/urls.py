"""REST API of the registry (under /api/registry/)."""

urlpatterns: list = []
