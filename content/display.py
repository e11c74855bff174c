"""The reader's display mode (large text, high contrast), kept in a cookie and read on the server.

The mode is chosen by plain links (GET /display/?text=large&next=…), so it works without JavaScript, and the page
is rendered with the mode's classes on <html>: no flash of the wrong size, nothing to run in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

DISPLAY_COOKIE = "jx_display"
DISPLAY_COOKIE_AGE = 400 * 24 * 60 * 60  # browsers cap cookies at 400 days
# Each choice: its values (first = the standard one).
TEXT_SIZES = ("standard", "large")
COLOURS = ("standard", "contrast")


@dataclass(frozen=True)
class DisplayMode:
    text: str = "standard"
    colours: str = "standard"

    @property
    def large(self) -> bool:
        return self.text == "large"

    @property
    def contrast(self) -> bool:
        return self.colours == "contrast"

    @property
    def key(self) -> str:
        """What this mode adds to a cache key, and the cookie's value."""
        return f"{self.text}.{self.colours}"

    @property
    def classes(self) -> str:
        """The classes put on <html>."""
        return " ".join(name for name, on in (("mode-large", self.large), ("mode-contrast", self.contrast)) if on)

    def changed(self, *, text: str | None = None, colours: str | None = None) -> DisplayMode:
        return DisplayMode(
            text=text if text in TEXT_SIZES else self.text,
            colours=colours if colours in COLOURS else self.colours,
        )


STANDARD = DisplayMode()


def display_mode_parse(value: str | None) -> DisplayMode:
    """The mode a cookie value names; anything unknown is the standard mode."""
    text, _, colours = (value or "").partition(".")
    return STANDARD.changed(text=text, colours=colours)


def display_mode(request: HttpRequest) -> DisplayMode:
    """The request's display mode (read once per request)."""
    mode = getattr(request, "_display_mode", None)
    if mode is None:
        mode = display_mode_parse(request.COOKIES.get(DISPLAY_COOKIE))
        request._display_mode = mode  # type: ignore[attr-defined]
    return mode
