"""Known vulnerabilities in the pinned runtime dependencies (requirements.lock), with pip-audit.

Fails on any vulnerability found. pip-audit asks a vulnerability service about each pin; where
that service cannot be reached, it skips the package rather than fail, so this says how many
packages were really checked, and names the reason when none were.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    run = subprocess.run(
        [str(pip_audit), "--disable-pip", "--no-deps", "--progress-spinner", "off",
         "-f", "json", "-r", str(LOCK)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"audit: pip-audit failed ({run.returncode}):\n{run.stderr[-3000:]}", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    checked = len(dependencies) - len(skipped)
    print(f"audit: {checked} of {len(dependencies)} pinned packages checked, {len(vulnerable)} vulnerable")
    if skipped and not checked:
        print(f"audit: the vulnerability service could not be reached: {skipped[0]['skip_reason']}")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    raise SystemExit(main())
