"""Run forms_engine/static/forms_engine/conditions.js in Node on a batch of cases (for the agreement tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "forms_engine" / "static" / "forms_engine" / "conditions.js"
RUNNER = r"""
const api = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const encode = (v) => {
  if (typeof v === "number" && !Number.isFinite(v)) return {float: Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf"};
  if (v === undefined) return {invalid: true};
  return v;
};
const out = cases.map((c) => {
  if (c.clean) return {value: encode(api.clean(c.clean, c.raw))};
  if (c.fields) return {value: api.cleanAll(c.fields.map((spec) => ({spec, read: () => c.raw[spec.name] ?? null,
    rows: () => []})), {}).answers};
  const value = api.evaluate(c.tree, c.answers, c.current);
  return {value: encode(value), text: api.text(value)};
});
process.stdout.write(JSON.stringify(out));
"""


def node_or_skip() -> str:
    """The node binary; a missing one skips here but fails in CI, which must have it."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js is missing: `make browser-deps` installs it (apt package nodejs).")
        pytest.skip("Node.js is not installed (apt-get install nodejs); the in-page evaluator cannot be checked.")
    return node


def run_js(cases: list[dict]) -> list[dict]:
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [node_or_skip(), "-e", RUNNER, str(SCRIPT)],
        input=json.dumps(cases, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)
