"""A small, safe expression language for conditions and calculations (an XLSForm-compatible subset). Never eval.

    ${visit_type} = 'hospital' and not(selected(${needs}, 'meal'))
    if(${age} >= 80, 'high', 'normal')        . > 0 and . <= 120        string-length(${name}) <= 20

Parsed once into a JSON-able tree (lists), evaluated here on the server and by forms_engine/static/.../conditions.js
in the page; the server's answer decides.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\})
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
      | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)
BINARY = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}
FUNCTIONS = {
    "not": 1,
    "selected": 2,
    "count-selected": 1,
    "string-length": 1,
    "if": 3,
    "regex": 2,
    "today": 0,
    "now": 0,
    "int": 1,
    "number": 1,
    "round": (1, 2),
    "concat": None,
    "coalesce": 2,
    "boolean": 1,
    "true": 0,
    "false": 0,
    "string": 1,
    "contains": 2,
    "starts-with": 2,
}
MAX_LENGTH = 2000
MAX_DEPTH = 40


class ExpressionError(ValueError):
    """The text is not a valid expression; the message says where."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            pos += len(text[pos:]) - len(text[pos:].lstrip())  # name the character, not the space before it
            raise ExpressionError(
                _("unexpected character “%(char)s” at position %(pos)d") % {"char": text[pos], "pos": pos + 1}
            )
        kind = match.lastgroup if match.lastgroup != "name" else "ref"
        for group in ("ref", "number", "string", "op", "word", "dot"):
            if match.group(group) is not None:
                kind = group
                break
        value = match.group("name") if kind == "ref" else match.group(kind)
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str):
        if len(text) > MAX_LENGTH:
            raise ExpressionError(_("the expression is too long"))
        self.tokens = _tokens(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(_("the expression ends too early"))
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        token = self.take()
        if token[1] != value:
            raise ExpressionError(
                _("expected “%(expected)s”, found “%(found)s”") % {"expected": value, "found": token[1]}
            )

    def parse(self) -> list:
        tree = self.expression(0)
        if self.peek() is not None:
            raise ExpressionError(_("unexpected “%(found)s”") % {"found": self.peek()[1]})
        return tree

    def expression(self, min_precedence: int) -> list:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(_("the expression is nested too deeply"))
        left = self.unary()
        while True:
            token = self.peek()
            if token is None or token[0] not in ("op", "word") or token[1] not in BINARY:
                break
            precedence = BINARY[token[1]]
            if precedence < min_precedence:
                break
            self.take()
            right = self.expression(precedence + 1)
            left = ["op", token[1], left, right]
        self.depth -= 1
        return left

    def unary(self) -> list:
        kind, value = self.take()
        if kind == "op" and value == "-":
            return ["op", "neg", self.unary()]
        if kind == "op" and value == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if kind == "ref":
            return ["ref", value]
        if kind == "number":
            return ["lit", float(value) if "." in value else int(value)]
        if kind == "string":
            return ["lit", value[1:-1]]
        if kind == "dot":
            return ["cur"]
        if kind == "word" and value in FUNCTIONS:
            self.expect("(")
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.expression(0))
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.expression(0))
            self.expect(")")
            arity = FUNCTIONS[value]
            if isinstance(arity, int) and len(args) != arity or isinstance(arity, tuple) and len(args) not in arity:
                raise ExpressionError(_("%(function)s() takes a different number of arguments") % {"function": value})
            return ["call", value, args]
        raise ExpressionError(_("unknown word or function “%(word)s”") % {"word": value})


def parse(text: str) -> list:
    """Parse an expression into its tree; raises ExpressionError."""
    return _Parser(text or "").parse()


def references(tree: list) -> set[str]:
    """The field names an expression reads."""
    if tree[0] == "ref":
        return {tree[1]}
    if tree[0] == "op":
        return set().union(*(references(t) for t in tree[2:]))
    if tree[0] == "call":
        return set().union(set(), *(references(t) for t in tree[2]))
    return set()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str) and value.strip():
        try:
            number = float(Decimal(value.strip()))
        except (InvalidOperation, ValueError):
            return None
        return number if math.isfinite(number) else None
    return None


def truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, list | str):
        return len(value) > 0
    return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        left, right = truthy(left), truthy(right)
    a, b = _number(left), _number(right)
    if a is None or b is None:
        a, b = _text(left), _text(right)
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _arithmetic(op: str, left: Any, right: Any) -> float | None:
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return None
    if op in ("div", "mod") and b == 0:
        return None
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "div":
        result = a / b
    else:
        result = math.fmod(a, b) if math.isfinite(a) else math.nan
    return result if math.isfinite(result) else None


def evaluate(tree: list, answers: dict[str, Any], current: Any = None) -> Any:
    """Evaluate over answers (name → value); missing answers are None. Errors in data give None, never raise."""
    kind = tree[0]
    if kind == "lit":
        return tree[1]
    if kind == "ref":
        return answers.get(tree[1])
    if kind == "cur":
        return current
    if kind == "op":
        op = tree[1]
        if op == "neg":
            value = _number(evaluate(tree[2], answers, current))
            return None if value is None else -value
        if op == "and":
            return truthy(evaluate(tree[2], answers, current)) and truthy(evaluate(tree[3], answers, current))
        if op == "or":
            return truthy(evaluate(tree[2], answers, current)) or truthy(evaluate(tree[3], answers, current))
        left, right = evaluate(tree[2], answers, current), evaluate(tree[3], answers, current)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(op, left, right)
        return _arithmetic(op, left, right)
    name, args = tree[1], [evaluate(arg, answers, current) for arg in tree[2]]
    return _call(name, args)


def _call(name: str, args: list) -> Any:  # noqa: C901 - one branch per function, on purpose
    if name == "not":
        return not truthy(args[0])
    if name == "selected":
        chosen = args[0] if isinstance(args[0], list) else _text(args[0]).split()
        return _text(args[1]) in [_text(v) for v in chosen]
    if name == "count-selected":
        return len(args[0]) if isinstance(args[0], list) else len(_text(args[0]).split())
    if name == "string-length":
        return len(_text(args[0]))
    if name == "if":
        return args[1] if truthy(args[0]) else args[2]
    if name == "regex":
        try:
            return re.fullmatch(_text(args[1]), _text(args[0])[:MAX_LENGTH]) is not None
        except re.error:
            return False
    if name == "today":
        return timezone.localdate().isoformat()
    if name == "now":
        return timezone.localtime().isoformat(timespec="seconds")
    if name in ("int", "number"):
        value = _number(args[0])
        return None if value is None else (int(value) if name == "int" else value)
    if name == "round":
        value = _number(args[0])
        digits = int(_number(args[1]) or 0) if len(args) > 1 else 0
        digits = max(-20, min(20, digits))
        return None if value is None else round(value, digits)
    if name == "concat":
        return "".join(_text(a) for a in args)
    if name == "coalesce":
        return args[0] if truthy(args[0]) else args[1]
    if name == "boolean":
        return truthy(args[0])
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "string":
        return _text(args[0])
    if name == "contains":
        return _text(args[1]) in _text(args[0])
    if name == "starts-with":
        return _text(args[0]).startswith(_text(args[1]))
    raise ExpressionError(name)  # unreachable: the parser only admits FUNCTIONS


def as_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None
