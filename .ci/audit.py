"""`make audit`: pip-audit of requirements.lock; fails on a known vulnerability, skips (exit 0) when offline.

pip-audit reports "No known vulnerabilities found" even when the advisory service answered for no package at all
(offline, or a mirror without PyPI's JSON API): that case is a skipped audit here, said plainly, never a pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
UNREACHABLE = ("ConnectionError", "NameResolution", "Max retries exceeded", "Timeout", "timed out", "SSLError")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        # --no-deps --disable-pip: the lock pins every package, so nothing is resolved or installed in a scratch venv.
        command = [
            str(Path(sys.executable).with_name("pip-audit")),
            *("-r", str(LOCK), "--no-deps", "--disable-pip", "--progress-spinner", "off", "--timeout", "15"),
            *("--format", "json", "--output", str(report)),
            *sys.argv[1:],  # e.g. `-s osv` (make audit AUDIT_ARGS="-s osv")
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        body = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    if body is None:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        if any(word in done.stderr for word in UNREACHABLE):
            print(f"audit skipped: advisory service unreachable ({last[:200]})")
            return 0
        print(done.stderr, file=sys.stderr)
        print(f"audit failed: pip-audit exited {done.returncode} without a report", file=sys.stderr)
        return done.returncode or 1
    dependencies = body.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    if dependencies and not audited:
        print(
            f"audit skipped: advisory service unreachable (it answered for none of {len(dependencies)} packages: "
            f"{skipped[0]['skip_reason']})"
        )
        return 0
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})")
    for dep in skipped:
        print(f"not audited: {dep['name']}: {dep['skip_reason']}")
    count = sum(len(d["vulns"]) for d in vulnerable)
    print(f"audit: {len(audited)} packages checked, {len(skipped)} not audited, {count} known vulnerabilities")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
