"""Dependency audit for the test command: pip-audit over the packages installed in .venv.

Known vulnerabilities fail the run. A package pip-audit could not check (its vulnerability
service unreachable, or the package unknown to it) is listed and counted, so an audit that
checked nothing is never reported as "no known vulnerabilities".

    python scripts/audit_deps.py            # exit 1 on a known vulnerability
    python scripts/audit_deps.py --strict   # exit 1 also when a package could not be checked
"""

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    try:
        proc = subprocess.run(
            [str(PIP_AUDIT), "--skip-editable", "--progress-spinner", "off", "-f", "json"],
            capture_output=True, text=True, timeout=300, check=False,
        )
    except subprocess.TimeoutExpired:
        print("dependency audit: pip-audit did not answer within 5 minutes; nothing was checked")
        return 1 if strict else 0
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"dependency audit: pip-audit could not run its vulnerability service: {last}")
        print("dependency audit: NOT DONE - no package was checked")
        return 1 if strict else 0

    lines, vulnerable, unchecked = summarise(report)
    print("\n".join(lines))
    return 1 if vulnerable or (unchecked and strict) else 0


def summarise(report: dict) -> tuple[list[str], int, int]:
    """pip-audit's JSON report -> (lines to print, vulnerable packages, unchecked packages)."""
    # Our own package is installed editable and is not on PyPI: it is not a dependency.
    deps = [d for d in report.get("dependencies", [])
            if "marked as editable" not in (d.get("skip_reason") or "")]
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            lines.append(f"VULNERABLE {dep['name']} {dep.get('version')}: {vuln['id']} "
                         f"(fixed in {fixes})")
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        lines.append(f"dependency audit: {len(skipped)} of {len(deps)} packages could not be "
                     f"checked ({'; '.join(reasons)})")
    lines.append(f"dependency audit: {len(deps) - len(skipped)} of {len(deps)} packages checked, "
                 f"{len(vulnerable)} with known vulnerabilities")
    return lines, len(vulnerable), len(skipped)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
