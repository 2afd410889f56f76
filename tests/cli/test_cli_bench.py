"""`xinfang bench` runs the benchmarks of the checkout; bench/results.json keeps one headline figure per
name, database and size (issue 13's "runs" list)."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
XINFANG = Path(sys.executable).with_name("xinfang")


def test_console_script_runs_the_benchmark_runner():
    env = {**os.environ, "XINFANG_HOME": str(ROOT)}
    result = subprocess.run([str(XINFANG), "bench", "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout and "--only" in result.stdout


def test_console_script_outside_a_checkout_says_so(tmp_path):
    env = {**os.environ, "XINFANG_HOME": str(tmp_path)}
    result = subprocess.run([str(XINFANG), "bench", "--quick"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "no bench/" in result.stderr


@pytest.fixture
def bench(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    module = importlib.import_module("bench")
    monkeypatch.setattr(module, "RESULTS", tmp_path / "results.json")
    return module


def test_runs_are_replaced_per_name_db_and_size(bench):
    sqlite = bench.Context(n=1000, quick=True, backend="sqlite")
    pg = bench.Context(n=1000, quick=True, backend="postgresql")
    first = bench.Result("x", {"a": 1}, runs=[bench.run_entry("search_p95_ms", 80, "ms", baseline=400),
                                              bench.run_entry("list_page_ms", 120, "ms")])
    bench.merge_results(first, sqlite)
    bench.merge_results(bench.Result("x", {}, runs=[bench.run_entry("search_p95_ms", 90, "ms", baseline=300)]), pg)
    bench.merge_results(bench.Result("x", {}, runs=[bench.run_entry("search_p95_ms", 60, "ms", baseline=300)]), sqlite)
    data = json.loads(bench.RESULTS.read_text(encoding="utf-8"))
    assert set(data["machine"]) >= {"cpus", "python"}
    runs = {(r["name"], r["db"], r["n_petitions"]): r for r in data["runs"]}
    assert len(data["runs"]) == 3
    assert runs[("search_p95_ms", "sqlite", 1000)]["value"] == 60
    assert runs[("search_p95_ms", "sqlite", 1000)]["ratio"] == 0.2
    assert runs[("search_p95_ms", "postgresql", 1000)]["baseline"] == 300
    assert runs[("list_page_ms", "sqlite", 1000)]["baseline"] is None
    assert {"name", "db", "n_petitions", "value", "unit", "baseline", "ratio"} <= set(data["runs"][0])
    assert {"sqlite-1000", "postgresql-1000"} <= set(data["x"])  # the detailed sections stay beside the list
