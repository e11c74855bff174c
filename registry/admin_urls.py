"""Admin URLs of the registry (under /admin/registry/); each screen module adds its own patterns."""

app_name = "registry"
urlpatterns: list = []
