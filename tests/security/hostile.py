"""The hostile-text corpus: strings every text input must survive (tests/security/test_hostile_corpus.py, browser).

STORABLE strings must be stored exactly as given and shown as text; UNSTORABLE ones (NUL, lone surrogates) are
refused with 400 before any view runs (junxiu.input_guard). No string starts or ends with whitespace: every form
strips that, as Django's forms do, and it is not what is being tested here.
"""

from __future__ import annotations

# (id, text): the id names the parametrized test case.
STORABLE: list[tuple[str, str]] = [
    ("script", "<script>alert(1)</script>"),
    ("img-onerror", '"><img src=x onerror=alert(1)>'),
    ("svg-onload", "<svg/onload=alert(1)>王德胜"),
    ("textarea-breakout", "</textarea><script>alert(1)</script>"),
    ("script-breakout", '</script><script>alert(1)</script>"}'),
    ("attribute-breakout", "' onmouseover='alert(1)' x='"),
    ("entities", "&lt;b&gt;不是标签&lt;/b&gt; &amp; &#60;i&#62;"),
    ("sql-drop", "'; DROP TABLE registry_cadre; --"),
    ("sql-or", "' OR '1'='1"),
    ("django-template", "{{ 7*7 }}"),
    ("django-tag", "{% debug %}"),
    ("js-template", "${7*7}"),
    ("format-strings", "%s %d %(name)s {0} {name}"),
    ("rtl-override", "王\u202e德胜txt.exe"),
    ("zero-width", "王\u200d德\u200b胜\u200c\ufeff"),
    ("emoji-astral-cjk", "👨‍👩‍👧 𠀀𪚥 🇨🇳"),
    ("combining", "e\u0301 Ａ１ ﹤b﹥"),
    ("line-separators", "甲\u2028乙\u2029丙"),
    ("formula-sum", "=1+1"),
    ("formula-plus", "+1"),
    ("formula-minus", "-1"),
    ("formula-at", "@SUM(A1)"),
    ("formula-hyperlink", '=HYPERLINK("http://x","y")'),
    ("formula-dde", "=cmd|' /C calc'!A0"),
    ("tabs-newlines", "第一行\n第二行\t制表\r\n第三行"),
    ("header-injection", "甲\r\nSet-Cookie: x=1"),
    ("javascript-url", "javascript:alert(1)"),
    ("javascript-link", '<a href="javascript:alert(1)">点我</a>'),
    ("path", "../../../etc/passwd"),
    ("excel-escape", "王_x0000_五"),
    ("backslashes", "\\x00 \\u0000 \\"),
    ("control-chars", "响铃\x07退格\x08\x1b[31m红\x1b[0m"),
    ("long-ascii", "A" * 10_240),
    ("long-cjk", "长" * 10_000),
]

UNSTORABLE: list[tuple[str, str]] = [
    ("nul", "王\x00德胜"),
    ("lone-high-surrogate", "王\ud800德胜"),
    ("lone-low-surrogate", "\udfff"),
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def texts(corpus: list[tuple[str, str]]) -> list:
    """The corpus as pytest params, each with its id."""
    import pytest

    return [pytest.param(text, id=name) for name, text in corpus]


def injected_markup(text: str) -> bool:
    """Whether the text would become an element or a script if it were put into HTML unescaped."""
    return "<" in text and any(tag in text for tag in ("<script", "<img", "<svg", "<a ", "</textarea", "</script"))
