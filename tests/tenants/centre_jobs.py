"""Functions the task tests queue for a centre (imported by the worker by dotted path)."""

from django.db import connection

from content.models import HomePage
from tenants.tasks import current_centre_schema


def describe_centre(greeting: str) -> dict:
    """Report which schema the worker ran in, and what that schema's home page is called."""
    return {"schema": current_centre_schema(), "home": HomePage.objects.get().title, "greeting": greeting}


def schema_name() -> str:
    return connection.schema_name
