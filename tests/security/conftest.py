"""The security checks' figures, printed at the end of the run (the issue quotes them)."""

from __future__ import annotations

SCHEMATHESIS = {"cases": 0, "server_errors": 0}


def pytest_terminal_summary(terminalreporter):
    if SCHEMATHESIS["cases"]:
        terminalreporter.write_line(
            f"schemathesis: {SCHEMATHESIS['cases']} cases, {SCHEMATHESIS['server_errors']} server errors"
        )
