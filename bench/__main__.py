"""Run the benchmarks: `python -m bench [--quick] [--only NAME …] [--petitions N]` (`make bench`).

The run uses a database of its own: a SQLite file `var/bench/bench-<N>.sqlite3` (kept between runs
and regenerated when the generator changes), then, when `XINFANG_BENCH_POSTGRES_URL` is set, the
same benchmarks again on that PostgreSQL database in a child process, in a schema `bench_<N>` of
its own (so the 100,000-petition search data and the 1,000,000-petition bulletin data live side by
side). That database must hold nothing but what this runner made: it is never a production database.

Full runs store 100,000 petitions; `--quick` stores 10,000.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import subprocess
import sys
import time
from urllib.parse import quote

from . import BENCH_DIR, Context, merge_results, print_table, project_dir

FULL_N = 100_000
QUICK_N = 10_000
META_TABLE = "bench_meta"


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_N} petitions instead of {FULL_N}")
    parser.add_argument("--petitions", type=int, help="number of stored petitions (overrides --quick)")
    parser.add_argument("--only", action="append", default=[], help="run only this benchmark (e.g. search)")
    parser.add_argument("--repeats", type=int, default=30, help="measured requests per figure")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _configure(args, n: int) -> None:
    """Point Django at the bench database before django.setup()."""
    if args.backend == "postgresql":
        url = os.environ["XINFANG_BENCH_POSTGRES_URL"]
        path = quote(f"-c search_path={_schema(n)}", safe="")
        os.environ["XINFANG_DATABASE_URL"] = f"{url}{'&' if '?' in url else '?'}options={path}"
    else:
        bench_var = project_dir() / "var" / "bench"
        bench_var.mkdir(parents=True, exist_ok=True)
        # XINFANG_BENCH_SQLITE names another file (a copy of a generated database, so that a benchmark
        # that writes does not change the figures of the others)
        path = os.environ.get("XINFANG_BENCH_SQLITE") or bench_var / f"bench-{n}.sqlite3"
        os.environ["XINFANG_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["XINFANG_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("XINFANG_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.config.settings")


def _schema(n: int) -> str:
    return f"bench_{int(n)}"


def _stored(n: int) -> dict | None:
    """What an earlier run generated here, if it matches `n` and the generator version."""
    import json

    from django.db import connection

    from .generate import GENERATOR_VERSION

    if META_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT info FROM {META_TABLE}")
        row = cur.fetchone()
    if not row:
        return None
    info = json.loads(row[0])
    if info.get("n") == n and info.get("generator_version") == GENERATOR_VERSION:
        return info
    return None


def _prepare_database(args, n: int) -> dict:
    import json

    from django.core.management import call_command
    from django.db import connection

    from .generate import generate

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_schema(n)}")
    info = _stored(n)
    if info is not None:
        call_command("migrate", verbosity=0, interactive=False)
        print(f"-- reusing the {connection.vendor} bench database with {n} petitions")
        _reach_sets()
        return info
    tables = connection.introspection.table_names()
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{name}{suffix}"):
                os.remove(f"{name}{suffix}")
    elif META_TABLE in tables:
        with connection.cursor() as cur:  # a schema this runner filled before: start again
            cur.execute(f"DROP SCHEMA {_schema(n)} CASCADE; CREATE SCHEMA {_schema(n)}")
    elif tables:
        sys.exit("XINFANG_BENCH_POSTGRES_URL points to a database that has tables the bench did not create; "
                 "give it an empty database (createdb xf_bench).")
    print(f"-- creating the {connection.vendor} bench database ({n} petitions) …", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    info = generate(n, log=lambda m: print(m, flush=True))
    _reach_sets()
    info["n"] = n
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE {META_TABLE} (info text)")
        cur.execute(f"INSERT INTO {META_TABLE} (info) VALUES (%s)", [json.dumps(info)])
    print(f"-- generated in {info['total_s']}s (rows {info['rows_s']}s, text index {info['index_s']}s)")
    return info


def _reach_sets() -> None:
    """Every petition's reach set, as the services keep them (`petitions.reach`): generated rows and a
    database made before the sets existed have none."""
    import time

    from xinfang.petitions import reach

    t0 = time.perf_counter()
    done = reach.fill(batch=20000)
    if done:
        print(f"-- reach sets stored for {done} petitions ({time.perf_counter() - t0:.0f}s)", flush=True)


def _modules(only: list[str]) -> list[str]:
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(BENCH_DIR)])
                   if m.name.startswith("bench_"))
    if only:
        unknown = set(only) - set(names)
        if unknown:
            sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}")
        names = [n for n in names if n in only]
    return names


def main(argv=None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    n = args.petitions or (QUICK_N if args.quick else FULL_N)
    _configure(args, n)
    import django

    django.setup()
    started = time.perf_counter()
    generated = _prepare_database(args, n)
    ctx = Context(n=n, quick=args.quick, backend=args.backend, repeats=args.repeats, generated=generated)
    for name in _modules(args.only):
        module = importlib.import_module(f"bench.bench_{name}")
        t0 = time.perf_counter()
        result = module.run(ctx)
        result.data.setdefault("generated", generated)
        result.data["bench_s"] = round(time.perf_counter() - t0, 1)
        merge_results(result, ctx)
        print_table(f"{result.name} · {ctx.backend} · {n} petitions", result.table)
    print(f"\n-- {args.backend}: {time.perf_counter() - started:.0f}s; figures merged into {BENCH_DIR / 'results.json'}")
    if args.backend == "sqlite" and os.environ.get("XINFANG_BENCH_POSTGRES_URL"):
        child = [sys.executable, "-m", "bench", "--backend", "postgresql", "--petitions", str(n),
                 "--repeats", str(args.repeats), *sum((["--only", o] for o in args.only), [])]
        if args.quick:
            child.append("--quick")
        env = {k: v for k, v in os.environ.items() if k != "XINFANG_DATABASE_URL"}
        return subprocess.call(child, env=env, cwd=str(BENCH_DIR.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
