"""Every colour pair the theme draws text with, in every state and mode, has a contrast of at least 4.5:1.

axe checks the colours a page shows at rest; hover, focus and visited links, the placeholder and the current
choice are checked here, from the theme's own custom properties (site/static/css/junxiu.css).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "site" / "static" / "css" / "junxiu.css"
# (text, background) pairs as the stylesheet combines them.
PAIRS = [
    ("text", "background"),
    ("text", "surface"),
    ("muted", "background"),
    ("muted", "surface"),  # meta text and the placeholder on the toolbar and cards
    ("link", "background"),
    ("link", "surface"),  # toolbar, menu and footer links
    ("link-visited", "background"),
    ("link-visited", "surface"),
    ("link", "link-hover-bg"),
    ("link-visited", "link-hover-bg"),
    ("focus-text", "focus-bg"),
    ("on-accent", "accent"),  # the header
    ("on-accent", "accent-dark"),  # a header link under the pointer
    ("on-button", "button"),
    ("on-button", "button-hover"),
    ("on-current", "current-bg"),  # the chosen display mode, the current result page
    ("error", "background"),
]


def palette(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", block))


def palettes() -> dict[str, dict[str, str]]:
    css = CSS.read_text(encoding="utf-8")
    standard = palette(re.search(r":root\s*\{(.*?)\}", css, re.S).group(1))
    contrast = palette(re.search(r"html\.mode-contrast\s*\{(.*?)\}", css, re.S).group(1))
    return {"standard": standard, "contrast": {**standard, **contrast}}


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("mode", ["standard", "contrast"])
def test_every_text_colour_pair_reaches_4_5_to_1(mode):
    colours = palettes()[mode]
    low = {
        (text, ground): round(contrast(colours[text], colours[ground]), 2)
        for text, ground in PAIRS
        if contrast(colours[text], colours[ground]) < 4.5
    }
    assert low == {}


def test_the_focus_indicator_stands_out_wherever_a_link_sits():
    """The focused element gets an outline and a background of its own: one of them differs 3:1 from its ground."""
    for mode, colours in palettes().items():
        for ground in ("background", "surface", "accent"):
            best = max(contrast(colours[part], colours[ground]) for part in ("focus-ring", "focus-bg"))
            assert best >= 3, (mode, ground, round(best, 2))
