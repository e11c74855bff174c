"""Browser tests: a live server for the centres' hosts and Debian's Chromium driven by Playwright.

Data is committed for real (the server runs in its own thread) and removed by the test that made it: no
transactional flush, which would wipe the shared test centres. Every page any browser test opens is watched for
Content-Security-Policy violations (the browser's console report and the securitypolicyviolation event): a test
that met one fails, so the strict policy holds on every page the tests visit. Chromium or Playwright missing → the
tests skip on a developer's machine with the reason, and fail in CI (CI=true), which must have them
(`make browser-deps`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

CHROMIUM = os.environ.get("JUNXIU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
# Reports each violation on the console too, with the directive and the blocked source, in case a page swallows it.
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':'
  + e.lineNumber + ' ' + (e.sample || '')));"""
CSP_VIOLATIONS: list[str] = []


class CspWatchingBrowser:
    """The Playwright browser, whose every new context records the CSP violations of its pages in CSP_VIOLATIONS."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(CSP_LISTENER)

        def on_console(message) -> None:
            text = message.text
            if "Content Security Policy" in text or text.startswith("CSP violation"):
                CSP_VIOLATIONS.append(f"{message.page.url if message.page else '?'}: {text}")

        context.on("console", on_console)
        return context


def missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} CI must have it: `make browser-deps` installs it.")
    pytest.skip(f"{reason} Install it with `make browser-deps` (as root) to run the browser tests.")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        missing(f"Debian's Chromium is not installed ({CHROMIUM}).")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path, django_db_setup) -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("The Python package playwright is not installed (requirements.lock).")
    # The test database is set up first. Playwright's sync API keeps an event loop in this thread;
    # the ORM calls of these tests are plain sync code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
            yield CspWatchingBrowser(chromium)
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class CentreServer:
    def __init__(self, server) -> None:
        self.server = server
        self.port = server.thread.port

    def url(self, code: str, path: str) -> str:
        return f"http://{code}.localhost:{self.port}{path}"


@pytest.fixture(scope="module")
def centre_server(django_db_setup, django_db_blocker) -> Iterator[CentreServer]:
    """Django's live server thread answering every centre's host (<code>.localhost:<port>)."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1")
        try:
            yield CentreServer(server)
        finally:
            server.stop()


@pytest.fixture
def committed_db(django_db_blocker) -> Iterator[None]:
    """Database access outside a test transaction: what the test writes, it removes itself."""
    cache.clear()
    with django_db_blocker.unblock():
        yield
    cache.clear()


@pytest.fixture(autouse=True)
def no_csp_violations(request) -> Iterator[None]:
    """A browser test passes only if none of its pages broke the Content-Security-Policy."""
    CSP_VIOLATIONS.clear()
    yield
    if "browser" in request.fixturenames:
        found, CSP_VIOLATIONS[:] = list(CSP_VIOLATIONS), []
        assert found == [], "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.fixture
def screenshot_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
