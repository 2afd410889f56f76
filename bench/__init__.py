"""xinfang benchmarks (DESIGN §10): `make bench` runs `python -m bench`.

Each benchmark is a module `bench/bench_<name>.py` with `run(ctx: Context) -> Result`. The runner
(`bench/__main__.py`) points Django at a database of its own (`var/bench/…`, or PostgreSQL when
`XINFANG_BENCH_POSTGRES_URL` is set), fills it once with `bench.generate`, runs every benchmark,
merges the figures into `bench/results.json` (other benchmarks' keys are kept) and prints a table.
Tests never assert timings; these figures are what the README quotes.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"


def project_dir() -> Path:
    return Path(os.environ.get("XINFANG_HOME", BENCH_DIR.parent))


@dataclass
class Context:
    n: int  # petitions stored
    quick: bool
    backend: str  # "sqlite" or "postgresql"
    repeats: int = 30
    generated: dict = field(default_factory=dict)  # what bench.generate reported


@dataclass
class Result:
    name: str  # key in results.json
    data: dict  # merged under results[name][f"{backend}-{n}"]
    table: list[tuple[str, str]] = field(default_factory=list)  # (measure, value) lines to print
    # headline figures for results.json's "runs" list (issue 13): see `run_entry`
    runs: list[dict] = field(default_factory=list)


def run_entry(name: str, value: float, unit: str, *, baseline: float | None = None,
              ratio: float | None = None, **extra) -> dict:
    """One headline figure: `name` is a fixed key (registration_throughput, search_p95_ms, …), `value`
    in `unit`; `baseline` is the same run's reference figure where one exists and `ratio` value/baseline
    unless given (the db and n_petitions are filled in by `merge_results`)."""
    if ratio is None and baseline:
        ratio = value / baseline
    entry = {"name": name, "value": round(float(value), 3), "unit": unit,
             "baseline": None if baseline is None else round(float(baseline), 3),
             "ratio": None if ratio is None else round(float(ratio), 3)}
    entry.update(extra)
    return entry


def timed(fn, repeats: int, warmup: int = 3) -> list[float]:
    """Milliseconds of `repeats` calls of `fn` after `warmup` unmeasured calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples_ms: list[float]) -> dict:
    """p50, p95, mean and max in milliseconds (p95 by the nearest-rank method)."""
    s = sorted(samples_ms)
    rank = max(int(round(0.95 * len(s) + 0.4999)) - 1, 0)
    return {"p50_ms": round(statistics.median(s), 2), "p95_ms": round(s[min(rank, len(s) - 1)], 2),
            "mean_ms": round(statistics.fmean(s), 2), "max_ms": round(s[-1], 2), "n": len(s)}


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    if hasattr(os, "getloadavg"):
        info["load_avg_1m"] = round(os.getloadavg()[0], 2)  # other work on the machine skews the figures
    return info


def merge_results(result: Result, ctx: Context) -> None:
    """Merge one benchmark's figures into bench/results.json without touching other keys."""
    data = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    section = data.setdefault(result.name, {})
    section[f"{ctx.backend}-{ctx.n}"] = {
        **result.data, "petitions": ctx.n, "backend": ctx.backend, "quick": ctx.quick,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine()}
    # the headline list: {"machine": …, "runs": [{"name", "db", "n_petitions", "value", "unit", "baseline",
    # "ratio"}, …]}; a figure measured again on the same db and size replaces the earlier one
    data["machine"] = machine()
    runs = [r for r in data.get("runs", []) if isinstance(r, dict)]
    for entry in result.runs:
        entry = {**entry, "db": ctx.backend, "n_petitions": ctx.n,
                 "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        runs = [r for r in runs if (r.get("name"), r.get("db"), r.get("n_petitions"))
                != (entry["name"], entry["db"], entry["n_petitions"])]
        runs.append(entry)
    data["runs"] = sorted(runs, key=lambda r: (str(r.get("name")), str(r.get("db")), r.get("n_petitions") or 0))
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(RESULTS)


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max([len(r[0]) for r in rows] + [10])
    print(f"\n== {title}")
    for measure, value in rows:
        print(f"  {measure.ljust(width)}  {value}")
