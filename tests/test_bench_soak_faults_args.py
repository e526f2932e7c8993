"""The soak and fault scripts (bench/, not run by CI) parse their options: a smoke test of the arguments only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_soak_defaults_and_options():
    soak = _load("soak")
    args = soak.parse_args([])
    assert (args.residents, args.rate, args.duration, args.max_growth) == (100_000, 100, 600, 10.0)
    args = soak.parse_args(["--rate", "50", "--duration", "120", "--residents", "2000", "--max-growth", "5"])
    assert (args.rate, args.duration, args.residents, args.max_growth) == (50, 120, 2000, 5.0)
    with pytest.raises(SystemExit):
        soak.parse_args(["--rate", "0"])
    assert soak.pct([3.0, 1.0, 2.0], 50) == 2.0


def test_faults_defaults_and_options():
    faults = _load("faults")
    assert faults.parse_args([]).repeats == 20
    args = faults.parse_args(["--repeats", "3", "--only", "nhi", "--only", "moves", "--seed", "4"])
    assert (args.repeats, args.only, args.seed) == (3, ["nhi", "moves"], 4)
    with pytest.raises(SystemExit):
        faults.parse_args(["--repeats", "0"])
