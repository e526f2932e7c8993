"""Rules on the command line: `lgcloud calc NAME` reads one JSON object on stdin and prints the result.

Each business area registers its calculators in a `calculators.py` module of its app
(`register_calculator("resident-tax", fn)`), discovered when `calc` runs. A calculator takes the parsed
JSON object and returns a JSON-serialisable result with its breakdown; bad input raises
`ValidationFailed` with a Japanese message naming the field (the command prints it and exits 2).
Calculators are pure: they read parameters through the object they are given (standard values for the
fiscal year plus any `"parameters"` override), never the database of a municipality.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

Calculator = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class CalculatorSpec:
    name: str
    label: str
    fn: Calculator


_calculators: dict[str, CalculatorSpec] = {}


def register_calculator(name: str, fn: Calculator, *, label: str = "") -> Calculator:
    _calculators[name] = CalculatorSpec(name, label or name, fn)
    return fn


def discover() -> dict[str, CalculatorSpec]:
    """Import every installed app's `calculators` module (once) and return the registry."""
    from django.apps import apps

    for config in apps.get_app_configs():
        module = f"{config.name}.calculators"
        if find_spec(module) is not None:
            import_module(module)
    return dict(_calculators)


def unknown_fields(data: Mapping[str, Any], allowed: set[str], where: str = "") -> list[str]:
    """Names in `data` that a calculator does not know (each is refused, never ignored)."""
    return [f"{where}{k}" for k in data if k not in allowed]
