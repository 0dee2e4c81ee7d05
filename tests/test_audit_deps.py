"""The dependency audit's summary: vulnerabilities fail, unchecked packages are never hidden."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "audit_deps", Path(__file__).parents[1] / "scripts" / "audit_deps.py")
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)


def test_a_known_vulnerability_is_named_with_its_fix():
    lines, vulnerable, unchecked = audit_deps.summarise({"dependencies": [
        {"name": "flask", "version": "2.2.0", "vulns": [
            {"id": "PYSEC-2023-62", "fix_versions": ["2.2.5", "2.3.2"]}]},
        {"name": "wtforms", "version": "3.3.2", "vulns": []},
    ]})
    assert vulnerable == 1 and unchecked == 0
    assert "VULNERABLE flask 2.2.0: PYSEC-2023-62 (fixed in 2.2.5, 2.3.2)" in lines
    assert lines[-1] == "dependency audit: 2 of 2 packages checked, 1 with known vulnerabilities"


def test_packages_the_service_could_not_check_are_counted_not_passed():
    lines, vulnerable, unchecked = audit_deps.summarise({"dependencies": [
        {"name": "alembic", "skip_reason": "Dependency not found on PyPI and could not be "
                                           "audited: alembic (1.20.1)"},
        {"name": "sanbao-portal", "skip_reason": "distribution marked as editable"},
        {"name": "wtforms", "version": "3.3.2", "vulns": []},
    ]})
    assert (vulnerable, unchecked) == (0, 1)
    assert lines == [
        "dependency audit: 1 of 2 packages could not be checked "
        "(Dependency not found on PyPI and could not be audited)",
        "dependency audit: 1 of 2 packages checked, 0 with known vulnerabilities",
    ]
