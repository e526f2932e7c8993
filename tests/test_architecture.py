"""The layers hold: the import graph of src/ has no cycles; the platform does not import business areas or
group operations (except the few modules that wire every app together); a business area reads another
only through `lgcloud.areas.registry.public` and does not import group operations.

Read with the standard library's `ast`, imports anywhere in a module (also inside functions), as
/work/shared/hooks/import_cycles.py does. Known exceptions are listed below with their reason; an
exception that no longer occurs fails too, so the list says what is true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Platform modules that must name apps of the other layers: they wire every app together.
PLATFORM_WIRING = {
    "lgcloud.platform.api.api": "mounts each app's API router under /api/v1/",
}

# Imports that break a rule today, with the reason and what removes them. (importer, imported) pairs.
KNOWN_PLATFORM_IMPORTS: dict[tuple[str, str], str] = {}  # none since meters moved to platform.metering
KNOWN_AREA_IMPORTS: dict[tuple[str, str], str] = {}  # none since meters moved to platform.metering
KNOWN_CYCLES: dict[frozenset[str], str] = {}  # none: services ↔ transfer went with the split of services.py


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found[".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")] = path
    return found


def imports(module: str, *, precise: bool = False) -> Iterator[str]:
    """Every module name `module` imports. For `from a import b`: a, and a.b when that is a module (the
    package runs too); `precise`: only a.b when it is a module, else a."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules()]
            if not precise or len(submodules) < len(node.names):
                yield base
            yield from submodules


@cache
def graph() -> dict[str, set[str]]:
    return {m: {t for t in imports(m) if t in modules() and t != m} for m in modules()}


def strongly_connected(g: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: the components with more than one module are the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(g[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.add(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def layer_imports(importer_prefix: str, imported_prefixes: tuple[str, ...]) -> set[tuple[str, str]]:
    """(importer, imported) for modules under importer_prefix importing modules under imported_prefixes."""
    return {(m, t) for m in modules() if m == importer_prefix or m.startswith(importer_prefix + ".")
            for t in imports(m, precise=True) if t.startswith(imported_prefixes)}


def test_the_import_graph_of_src_has_no_cycles():
    cycles = {frozenset(c) for c in strongly_connected(graph())}
    new = [sorted(c) for c in cycles if c not in KNOWN_CYCLES]
    assert not new, "import cycles: " + "; ".join(" ↔ ".join(c) for c in new)
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in cycles]
    assert not gone, f"no longer a cycle, remove it from KNOWN_CYCLES: {gone}"


def test_the_platform_imports_no_business_area_or_group_operation():
    found = layer_imports("lgcloud.platform", ("lgcloud.areas", "lgcloud.group"))
    found = {(m, t) for m, t in found if m not in PLATFORM_WIRING}
    new = sorted(found - set(KNOWN_PLATFORM_IMPORTS))
    assert not new, f"platform modules importing lgcloud.areas / lgcloud.group: {new}"
    gone = sorted(set(KNOWN_PLATFORM_IMPORTS) - found)
    assert not gone, f"no longer imported, remove from KNOWN_PLATFORM_IMPORTS: {gone}"
    assert all(m in modules() for m in PLATFORM_WIRING), "PLATFORM_WIRING names a module that no longer exists"


def test_an_area_reads_another_only_through_the_registry_public_interface():
    wrong = set()
    for m, t in layer_imports("lgcloud.areas", ("lgcloud.areas.",)):
        own = ".".join(m.split(".")[:3])
        if t == own or t.startswith(own + ".") or t == "lgcloud.areas.registry.public":
            continue
        wrong.add((m, t))
    assert not wrong, f"an area importing another area's modules (use lgcloud.areas.registry.public): {sorted(wrong)}"


def test_an_area_does_not_import_group_operations():
    found = layer_imports("lgcloud.areas", ("lgcloud.group",))
    new = sorted(found - set(KNOWN_AREA_IMPORTS))
    assert not new, f"business areas importing lgcloud.group (costs, customization, nationwide): {new}"
    gone = sorted(set(KNOWN_AREA_IMPORTS) - found)
    assert not gone, f"no longer imported, remove from KNOWN_AREA_IMPORTS: {gone}"


def test_the_checks_see_a_cycle_and_a_layer_break():
    """The graph reader itself: a made-up cycle is found, and relative imports resolve."""
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []
    assert "lgcloud.platform.interchange.codec" in graph()["lgcloud.platform.interchange.importer"]
