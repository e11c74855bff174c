"""The in-page evaluator (conditions.js, run in Node) agrees with expressions.py on a table of expressions."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forms_engine import expressions
from forms_engine.fields import CLEANERS
from forms_engine.services import _clean_fields
from tests.browser.jsrun import run_js

ANSWERS: dict[str, Any] = {
    "age": 82,
    "age_text": " 82 ",
    "wide": "８２",
    "ratio": 0.1,
    "money": "12.50",
    "name": "张三",
    "blank": "",
    "spaces": "  ",
    "visit": "hospital",
    "needs": ["meal", "clean"],
    "none_chosen": [],
    "yes": True,
    "no": False,
    "zero_text": "0",
    "day": "2026-10-18",
    "emoji": "😀a",
    "mixed": "a b\u3000c",
    "sci": "1e3",
    "under": "1_000",
    "nan_text": "NaN",
    "inf_text": "-Infinity",
    "hexish": "0x10",
    "file": {"name": "a.pdf", "path": "forms/x/a.pdf", "size": 3},
}

EXPRESSIONS = [
    # references, None and ''
    "${age}",
    "${missing}",
    "${missing} = ''",
    "${missing} = 0",
    "${blank} = ${missing}",
    "${missing} != ''",
    "${spaces} = ''",
    "${zero_text} = 0",
    "${zero_text}",
    "boolean(${zero_text})",
    "boolean(${spaces})",
    "not(${blank})",
    "not(${none_chosen})",
    # numbers vs strings
    "${age} > 80",
    "${age_text} > 80",
    "${age_text} = 82",
    "${wide} = 82",
    "${wide} + 1",
    "${age_text} = '82'",
    "'10' < '9'",
    "'10' < 9",
    "'abc' < 'abd'",
    "'b' > 'a'",
    "${name} = '张三'",
    "${name} > 'Z'",
    "${emoji} > '\uffff'",
    "${sci} = 1000",
    "${under} = 1000",
    "${hexish} = 16",
    "${hexish} > 'a'",
    "${nan_text} = ${nan_text}",
    "${nan_text} != 1",
    "${inf_text} < -1000000",
    "${day} > '2026-01-01'",
    "${day} = '2026-10-18'",
    # booleans
    "${yes} = 1",
    "${yes} = 'x'",
    "${no} = ''",
    "${no} = 0",
    "${yes} and ${no}",
    "${yes} or ${no}",
    "true() = 'false'",
    "false() != ''",
    # arithmetic
    "1 + 2 * 3",
    "(1 + 2) * 3",
    "7 div 2",
    "7 mod 3",
    "-7 mod 3",
    "7 mod -3",
    "5.5 mod 2",
    "1 div 0",
    "1 mod 0",
    "${ratio} + 0.2",
    "0.1 + 0.2 = 0.3",
    "${money} * 2",
    "${missing} + 1",
    "${name} + 1",
    "-${age}",
    "-${name}",
    "-(${age} - 82)",
    "${age} div 3",
    "1 div 3",
    "100000 * 100000 * 100000 * 100000",
    "0.00001 * 1",
    "${yes} + ${yes}",
    # functions
    "selected(${needs}, 'meal')",
    "selected(${needs}, 'walk')",
    "selected(${mixed}, 'c')",
    "selected('a  b', 'b')",
    "selected(${missing}, '')",
    "count-selected(${needs})",
    "count-selected(${none_chosen})",
    "count-selected(${mixed})",
    "count-selected(${missing})",
    "count-selected('1 2 3')",
    "string-length(${name})",
    "string-length(${emoji})",
    "string-length(${missing})",
    "string-length(${age})",
    "string-length(${needs})",
    "if(${age} >= 80, 'high', 'normal')",
    "if(${missing}, 1, 2)",
    "if(${none_chosen}, 'x', ${needs})",
    "regex(${name}, '张.')",
    "regex(${name}, '\\w+')",
    "regex('138 0013 8000', '1[3-9]\\d( ?\\d{4}){2}')",
    "regex('abc', 'ab')",
    "regex('ab', '(?P<x>a)(?P=x)?b')",
    "regex('a.c', 'a\\.c')",
    "regex('a-c', 'a\\-c')",
    "regex('AbC', '(?i)abc')",
    "regex('a{', 'a{')",
    "regex('aaa', 'a{,3}')",
    "regex('x', '[')",
    "regex('a\nb', 'a.b')",
    "regex('${x}', '\\$\\{x\\}')",
    "regex('٣', '\\d')",
    "regex('a b', 'a\\sb')",
    "regex('a\u3000b', 'a\\sb')",
    "regex(${age}, '8\\d')",
    "int(${money})",
    "int('-7.9')",
    "int(${name})",
    "number(${age_text})",
    "number(${yes})",
    "number(${missing})",
    "round(2.5)",
    "round(3.5)",
    "round(-2.5)",
    "round(2.675, 2)",
    "round(0.125, 2)",
    "round(0.375, 2)",
    "round(1234.5678, -2)",
    "round(${ratio} * 3, 1)",
    "round(${money}, ${zero_text})",
    "round(${name})",
    "round(1, 400)",
    "concat(${name}, '-', ${age}, '-', ${needs}, ${missing}, ${yes})",
    "concat(${ratio}, ' ', 1 div 3, ' ', 0.00001 * 1, ' ', 100000 * 100000 * 100000 * 100000)",
    "concat(1 div 0, ${nan_text} * 1, ${sci} * 1)",
    "concat(0.0001 * 1, '|', 123456789012345678 * 1, '|', 1.5 * 1, '|', -0.5 * 1)",
    "coalesce(${missing}, 'none')",
    "coalesce(${blank}, ${age})",
    "coalesce(${none_chosen}, 0)",
    "string(${age} div 2)",
    "string(${needs})",
    "string(${no})",
    "contains(${name}, '张')",
    "contains(${needs}, 'meal clean')",
    "starts-with(${day}, '2026')",
    "starts-with(${missing}, '')",
    "today() = today()",
    "string-length(now())",
    # the current answer, in constraints
    ". > 0 and . <= 120",
    ". = ''",
    "string-length(.) <= 3",
    # precedence
    "1 + 2 = 3 and 2 * 2 = 4 or 0",
    "not(1 = 1) or 3 > 2 and 2 > 3",
]


def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    return value


def _same(python: Any, js: Any) -> bool:
    if isinstance(python, bool) or isinstance(js, bool):
        return type(python) is type(js) and python == js
    if isinstance(python, int | float) and isinstance(js, int | float):
        return python == js
    return python == js


def test_the_page_evaluates_every_expression_as_the_server():
    cases, expected = [], []
    for current in (None, 42, "ab"):
        for text in EXPRESSIONS:
            tree = expressions.parse(text)
            if current is not None and '["cur"]' not in json.dumps(tree):
                continue
            value = expressions.evaluate(tree, ANSWERS, current=current)
            cases.append({"tree": tree, "answers": ANSWERS, "current": current})
            expected.append((text, current, _encode(value), expressions._text(value)))
    results = run_js(cases)
    mismatches = [
        (text, current, python, js["value"], python_text, js["text"])
        for (text, current, python, python_text), js in zip(expected, results, strict=True)
        if not _same(python, js["value"]) or (python_text != js["text"] and "now()" not in text)
    ]
    assert mismatches == []
    assert len(results) == len(EXPRESSIONS) + 2 * 3


def test_today_and_now_are_in_the_centres_time_zone():
    [day, moment] = run_js(
        [
            {"tree": expressions.parse("today()"), "answers": {}, "current": None},
            {"tree": expressions.parse("now()"), "answers": {}, "current": None},
        ]
    )
    before = timezone.localtime()
    assert day["value"] in {before.date().isoformat(), (before - dt.timedelta(seconds=5)).date().isoformat()}
    parsed = dt.datetime.fromisoformat(moment["value"])
    assert parsed.utcoffset() == dt.timedelta(hours=8)
    assert abs((parsed - before).total_seconds()) < 10


CLEAN_CASES = [
    ({"type": "text"}, "  张三  "),
    ({"type": "text", "max_length": 2}, "张三丰"),
    ({"type": "text", "min_length": 3}, "张三"),
    ({"type": "text", "pattern": "\\d{6}"}, "200001"),
    ({"type": "text", "pattern": "\\d{6}"}, "20000"),
    ({"type": "textarea"}, "x" * 5001),
    ({"type": "integer"}, " 82 "),
    ({"type": "integer"}, "８２"),
    ({"type": "integer"}, "1_000"),
    ({"type": "integer"}, "1.0"),
    ({"type": "integer"}, "+5"),
    ({"type": "integer", "min": 1, "max": 600}, "601"),
    ({"type": "integer", "min": 1, "max": 600}, "600"),
    ({"type": "decimal"}, "12.50"),
    ({"type": "decimal"}, " 1e3 "),
    ({"type": "decimal"}, "0.0000001"),
    ({"type": "decimal"}, "-0"),
    ({"type": "decimal"}, ".5"),
    ({"type": "decimal"}, "NaN"),
    ({"type": "decimal"}, "abc"),
    ({"type": "decimal", "max": 10.0}, "10.01"),
    ({"type": "date"}, "2026-10-18"),
    ({"type": "date"}, "2026-02-30"),
    ({"type": "date"}, "20261018"),
    ({"type": "time"}, "09:30"),
    ({"type": "time"}, "09:30:15"),
    ({"type": "time"}, "25:00"),
    ({"type": "datetime"}, "2026-10-18T09:30"),
    ({"type": "datetime"}, "2026-10-18 09:30:59"),
    ({"type": "choice", "choices": ["a", "b"]}, "b"),
    ({"type": "choice", "choices": ["a", "b"]}, "c"),
    ({"type": "multichoice", "choices": ["a", "b", "c"]}, ["c", "a"]),
    ({"type": "multichoice", "choices": ["a", "b", "c"]}, ["d"]),
    ({"type": "yesno"}, "yes"),
    ({"type": "yesno"}, "no"),
    ({"type": "yesno"}, "maybe"),
    ({"type": "rating"}, "5"),
    ({"type": "rating"}, "6"),
    ({"type": "phone"}, "138 0013 8000"),
    ({"type": "phone"}, "021-63211234"),
    ({"type": "phone"}, "12345"),
    ({"type": "cadre"}, "12"),
    ({"type": "cadre"}, "x"),
    ({"type": "hidden"}, "src"),
]


def _server_clean(spec: dict, raw: Any) -> Any:
    field = {"choices": [{"value": v, "label": v} for v in spec.get("choices", [])], **spec}
    field["choices"] = [{"value": v, "label": v} for v in spec.get("choices", [])]
    try:
        return CLEANERS[spec["type"]](field, raw)
    except ValidationError:
        return {"invalid": True}


@pytest.mark.parametrize("batch", [CLEAN_CASES])
def test_answers_are_cleaned_in_the_page_as_on_the_server(batch):
    results = run_js([{"clean": spec, "raw": raw} for spec, raw in batch])
    got = [(spec["type"], raw, r["value"]) for (spec, raw), r in zip(batch, results, strict=True)]
    assert got == [(spec["type"], raw, _server_clean(spec, raw)) for spec, raw in batch]


def test_conditions_see_only_the_answers_cleaned_so_far():
    """A hidden or refused answer is missing for later conditions, as in services._clean_fields."""
    specs = [
        {"name": "kind", "type": "choice", "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
        {"name": "age", "type": "integer", "min": 60.0, "max": None},
        {"name": "why", "type": "text", "relevant": expressions.parse("${kind} = 'b'")},
        {"name": "why_len", "type": "calculated", "calculation": expressions.parse("string-length(${why})")},
        {"name": "old", "type": "calculated", "calculation": expressions.parse("if(${age} >= 80, 'yes', 'no')")},
        {"name": "note", "type": "note", "relevant": expressions.parse("${old} = 'yes'")},
    ]
    raws = [
        {"kind": "a", "age": "85", "why": "x"},
        {"kind": "b", "age": "50", "why": " 因为 "},
        {"kind": "b", "age": "abc"},
    ]
    js_specs = [{**s, "choices": [c["value"] for c in s.get("choices", [])]} for s in specs]
    results = run_js([{"fields": js_specs, "raw": raw} for raw in raws])
    schema = [{**s, **{k: {"text": "", "tree": s[k]} for k in ("relevant", "calculation") if k in s}} for s in specs]
    for raw, js in zip(raws, results, strict=True):
        errors: dict = {}
        server = _clean_fields(schema, {k: v for k, v in raw.items() if k != "why" or raw["kind"] == "b"}, {}, errors)
        assert js["value"] == server
