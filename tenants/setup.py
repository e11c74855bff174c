"""Named set-up steps other apps register for a new centre; provisioning runs them in order.

tenants imports none of those apps: each registers its steps from its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenants.models import Centre, Domain


@dataclass(frozen=True)
class SetupStep:
    name: str
    order: int
    run: Callable[..., None]  # run(*, centre: Centre, domain: Domain), called inside the centre's schema
    # Safe to run again on an existing centre (e.g. granting a new app's permissions after an upgrade).
    repeatable: bool = False


_steps: dict[str, SetupStep] = {}


def centre_setup_step_register(*, name: str, order: int, run: Callable[..., None], repeatable: bool = False) -> None:
    """Register (or replace, by name) a step every new centre goes through."""
    _steps[name] = SetupStep(name=name, order=order, run=run, repeatable=repeatable)


def centre_setup_steps() -> list[SetupStep]:
    return sorted(_steps.values(), key=lambda step: (step.order, step.name))


def centre_setup_run(*, centre: Centre, domain: Domain | None, repeatable_only: bool = False) -> None:
    for step in centre_setup_steps():
        if step.repeatable or not repeatable_only:
            step.run(centre=centre, domain=domain)
