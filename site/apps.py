from django.apps import AppConfig


class JunxiuConfig(AppConfig):
    """The project itself: base templates, static theme and the commands that wire apps together."""

    name = "junxiu"
    verbose_name = "junxiu"
