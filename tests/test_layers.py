"""The package layers: ``portal/core`` imports no domain, and every import between portal's
packages points down ``ORDER``, so there is no cycle between them.

An import anywhere in a module of package A (inside a function too) of a module of package B
is an edge A→B. ``portal/extensions.py`` and ``portal/config.py`` are core's plumbing; the app
factory (``portal/__init__.py``) and the metadata aggregator (``portal/models.py``) sit on top.
A view that shows several domains' records is registered on its domain's blueprint from a
higher package (``portal/home``, ``portal/workflow``, ...), so its endpoint stays the same.
"""

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
CORE_PLUMBING = {"extensions", "config"}
ROOT_MODULES = {"__init__", "models"}

# Low to high: a package may import those before it.
ORDER = ["core", "accounts", "dealers", "catalog", "units", "claims", "service", "returns",
         "workflow", "finance", "stock", "cases", "deliveries", "planning", "quality", "reports",
         "analytics", "home", "api", "demo"]


def _package(module: str) -> str | None:
    """The portal package a dotted module name belongs to; None outside portal or at its root."""
    parts = module.split(".")
    if parts[0] != "portal" or len(parts) < 2 or parts[1] in ROOT_MODULES:
        return None
    return "core" if parts[1] in CORE_PLUMBING else parts[1]


def _imported(path: Path, tree: ast.AST):
    """Every module name ``path`` imports, relative imports resolved."""
    here = ["portal", *path.relative_to(PORTAL).with_suffix("").parts]
    if here[-1] == "__init__":
        here.pop()
    else:
        here = here[:-1]  # the package a relative import starts from
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def package_edges() -> dict[tuple[str, str], set[str]]:
    """(importing package, imported package) → the files that make the edge."""
    edges: dict[tuple[str, str], set[str]] = {}
    for path in sorted(PORTAL.rglob("*.py")):
        source = _package(".".join(["portal", *path.relative_to(PORTAL).with_suffix("").parts]))
        if source is None:
            continue
        for module in _imported(path, ast.parse(path.read_text(encoding="utf-8"))):
            target = _package(module)
            if target is not None and target != source:
                edges.setdefault((source, target), set()).add(str(path.relative_to(PORTAL)))
    return edges


def test_every_package_has_its_place():
    packages = {p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists()}
    assert packages - {"translations"} == set(ORDER)


def test_core_imports_no_domain():
    assert {(a, b): files for (a, b), files in package_edges().items() if a == "core"} == {}


def test_imports_point_down_the_layers():
    upward = {edge: files for edge, files in package_edges().items()
              if ORDER.index(edge[0]) < ORDER.index(edge[1])}
    assert upward == {}


def test_claims_imports_none_of_the_domains_its_submission_touches():
    # What filing a claim does in returns and service is listed in portal/workflow/claims.py.
    assert {b for (a, b) in package_edges() if a == "claims"} <= {
        "core", "accounts", "dealers", "catalog", "units"}
