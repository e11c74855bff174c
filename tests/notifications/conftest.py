"""Reminder fixtures: the registry's people."""

from tests.registry.conftest import huangpu_people  # noqa: F401 - shared with the registry tests
