"""Registration through the HTTP API under concurrent clients, against the same server's trivial endpoint.

A real server: gunicorn with the production configuration (`src/xinfang/config/gunicorn.conf.py`, the
one `make run` uses) on a free loopback port, against a scratch copy of the bench database (SQLite:
copied to /tmp with SQLite's backup API, so registrations never grow the shared bench file;
PostgreSQL: the bench schema itself). An API token is created for the district clerk `demo_clerk`
with `xinfang token create`, then `clients` threads (http.client, keep-alive, loopback only; bounded by
count and time) run, in this order on the same server:

1. the intake of a petition as a clerk's client does it: POST /api/v1/insight/suggest (the category
   suggestion, which picks the routing), POST /api/v1/petitions (登记: duplicate-person check,
   tracking number, deadlines, audit chain, search and similarity index), GET
   /api/v1/petitions/{id}/similar (the duplicate check against stored petitions) — each call timed
   on its own, and the three together as one "intake";
2. GET /api/v1/me (the trivial endpoint: token check, memberships) as the BASELINE.

Headline figures (`runs`): `registration_throughput` (registrations per second, POST /petitions alone,
baseline = /me per second in the same run, ratio) and `registration_p99_ms`; the intake (all three
calls) per second and its p99 are in `data` and the table.

Environment knobs (for choosing the server configuration by measurement, docs/deploy.md):
XINFANG_BENCH_CLIENTS (16), XINFANG_BENCH_SECONDS (per phase, 20; 8 with --quick), and
XINFANG_BENCH_WEB="WxT[,WxT…]" to measure several gunicorn configurations (W workers × T threads;
T=1 runs the sync worker class) one after another on the same data; the first is the headline.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import Context, Result, project_dir, run_entry

CLERK = "demo_clerk"
CONF = Path(__file__).resolve().parent.parent / "src" / "xinfang" / "config" / "gunicorn.conf.py"
MAX_PER_PHASE = 6000  # requests per phase at most, whatever the time


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.4999)) - 1))]


def _scratch_database(tmpdir: Path) -> str:
    """The database URL the server uses: a copy of the SQLite bench file, or the PostgreSQL bench schema."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return os.environ["XINFANG_DATABASE_URL"]
    src = str(connection.settings_dict["NAME"])
    dst = tmpdir / "registration.sqlite3"
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as source, sqlite3.connect(dst) as target:
        source.backup(target)
    return f"sqlite:///{dst}"


def _env(database_url: str, tmpdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION",)}
    env.update(XINFANG_DATABASE_URL=database_url, XINFANG_HOME=str(project_dir()),
               XINFANG_ALLOWED_HOSTS="127.0.0.1,localhost", XINFANG_LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="xinfang.config.settings")
    if not env.get("XINFANG_SECRET_KEY"):
        env["XINFANG_DEMO"] = "1"  # the bench data is written with the development keys
    return env


def _token(env: dict) -> str:
    out = subprocess.run([str(Path(sys.executable).parent / "xinfang"), "token", "create", CLERK, "--name", "bench",
                          "--days", "1"], env=env, capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip().splitlines()[-1].strip()


class Server:
    """gunicorn with the production configuration file, W workers × T threads, on a free loopback port."""

    def __init__(self, env: dict, workers: int, threads: int, log: Path):
        self.port = _free_port()
        env = {**env, "XINFANG_WEB_WORKERS": str(workers), "XINFANG_WEB_THREADS": str(threads),
               "XINFANG_BIND": f"127.0.0.1:{self.port}", "XINFANG_ACCESS_LOG": ""}
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", str(CONF),
                                      "xinfang.config.wsgi"], env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait(self, token: str, timeout: float = 90) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Client:
    """One keep-alive connection; reconnects when the server closes it (the sync worker closes every one)."""

    def __init__(self, port: int, token: str):
        self.port, self.headers = port, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                r = self.conn.getresponse()
                payload = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, payload
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _payload(rng: random.Random, seq: int) -> tuple[dict, dict]:
    from .generate import SURNAMES, petition_text

    code, title, content, demands = petition_text(rng)
    name = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超")
    body = {"channel": rng.choice(["visit", "letter", "online", "phone"]),
            "received_at": dt.datetime.now(dt.UTC).isoformat(), "title": title, "content": content,
            "demands": demands, "category": code,
            "petitioners": [{"name": name, "phone": f"139{seq % 100_000_000:08d}"}],
            "external_id": f"bench-{seq}"}
    return body, {"title": title, "content": content}


def _phase(port: int, token: str, clients: int, seconds: float, op) -> dict:
    """Run `op(client, rng, seq) -> {label: ms}` on `clients` threads for `seconds` (at most MAX_PER_PHASE
    operations); per-label latencies, operations per second, errors."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    counter = [0]
    samples: dict[str, list[float]] = {}
    errors: list[str] = []

    def worker(i: int):
        rng = random.Random(1000 + i)
        client = Client(port, token)
        while time.monotonic() < stop_at:
            with lock:
                if counter[0] >= MAX_PER_PHASE:
                    return
                counter[0] += 1
                seq = counter[0]
            try:
                got = op(client, rng, seq)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(repr(exc)[:200])
                continue
            with lock:
                for label, ms in got.items():
                    samples.setdefault(label, []).append(ms)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    elapsed = time.perf_counter() - started
    out = {"elapsed_s": round(elapsed, 2), "errors": len(errors), "error_sample": errors[:3], "labels": {}}
    for label, ms in samples.items():
        out["labels"][label] = {"n": len(ms), "per_s": round(len(ms) / elapsed, 1),
                                "p50_ms": round(statistics.median(ms), 1), "p99_ms": round(_pct(ms, 0.99), 1),
                                "max_ms": round(max(ms), 1)}
    return out


def _timed(client: Client, method: str, path: str, body=None, expect=200) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    status, payload = client.call(method, path, body)
    ms = (time.perf_counter() - t0) * 1000
    if status != expect:
        raise RuntimeError(f"{method} {path}: {status} {payload[:200]!r}")
    return ms, payload


def op_intake(client: Client, rng: random.Random, seq: int) -> dict:
    body, texts = _payload(rng, seq)
    t_suggest, _ = _timed(client, "POST", "/api/v1/insight/suggest", texts)
    t_register, payload = _timed(client, "POST", "/api/v1/petitions", body, expect=201)
    pk = json.loads(payload)["id"]
    t_similar, _ = _timed(client, "GET", f"/api/v1/petitions/{pk}/similar")
    return {"suggest": t_suggest, "register": t_register, "similar": t_similar,
            "intake": t_suggest + t_register + t_similar}


def op_register(client: Client, rng: random.Random, seq: int) -> dict:
    body, _ = _payload(rng, seq)
    t_register, _ = _timed(client, "POST", "/api/v1/petitions", body, expect=201)
    return {"register": t_register}


def op_me(client: Client, rng: random.Random, seq: int) -> dict:
    t, _ = _timed(client, "GET", "/api/v1/me")
    return {"me": t}


def _configs() -> list[tuple[int, int]]:
    raw = os.environ.get("XINFANG_BENCH_WEB", "").strip()
    if not raw:
        import runpy

        conf = runpy.run_path(str(CONF), init_globals={})  # the file's defaults (no XINFANG_WEB_* here)
        return [(conf["DEFAULT_WORKERS"], conf["DEFAULT_THREADS"])]
    out = []
    for part in raw.split(","):
        w, _, t = part.strip().lower().partition("x")
        out.append((int(w), int(t or 1)))
    return out


def measure(ctx: Context, workers: int, threads: int, env: dict, token: str, tmpdir: Path) -> dict:
    clients = int(os.environ.get("XINFANG_BENCH_CLIENTS", 16))
    seconds = float(os.environ.get("XINFANG_BENCH_SECONDS", 8 if ctx.quick else 20))
    server = Server(env, workers, threads, tmpdir / f"gunicorn-{workers}x{threads}.log")
    try:
        server.wait(token)
        _phase(server.port, token, 4, 2, op_intake)  # warm every worker (imports, caches, indexes)
        register = _phase(server.port, token, clients, seconds, op_register)
        intake = _phase(server.port, token, clients, seconds, op_intake)
        me = _phase(server.port, token, clients, seconds, op_me)
    finally:
        server.stop()
    return {"workers": workers, "threads": threads, "clients": clients, "seconds": seconds,
            "register": register, "intake": intake, "me": me}


def run(ctx: Context) -> Result:
    tmpdir = Path(tempfile.mkdtemp(prefix="xf_bench_reg_"))
    try:
        env = _env(_scratch_database(tmpdir), tmpdir)
        token = _token(env)
        results = [measure(ctx, w, t, env, token, tmpdir) for w, t in _configs()]
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    table: list[tuple[str, str]] = []
    for r in results:
        reg = r["register"]["labels"].get("register", {})
        me = r["me"]["labels"].get("me", {})
        intake = r["intake"]["labels"]
        cfg = f"{r['workers']}x{r['threads']} ({r['clients']} clients)"
        ratio = reg.get("per_s", 0) / me["per_s"] if me.get("per_s") else float("nan")
        table.append((f"{cfg} POST /petitions", f"{reg.get('per_s')}/s p50 {reg.get('p50_ms')} ms "
                      f"p99 {reg.get('p99_ms')} ms, errors {r['register']['errors']}"))
        table.append((f"{cfg} GET /me (baseline)", f"{me.get('per_s')}/s p50 {me.get('p50_ms')} ms "
                      f"p99 {me.get('p99_ms')} ms; ratio {ratio:.2f}"))
        for label in ("intake", "suggest", "register", "similar"):
            s = intake.get(label, {})
            table.append((f"{cfg} intake: {label}", f"{s.get('per_s')}/s p50 {s.get('p50_ms')} ms "
                          f"p99 {s.get('p99_ms')} ms"))
        table.append((f"{cfg} intake errors", str(r["intake"]["errors"])))
    head = results[0]
    reg = head["register"]["labels"].get("register", {"per_s": 0, "p99_ms": float("nan")})
    me = head["me"]["labels"].get("me", {"per_s": 0, "p99_ms": float("nan")})
    intake = head["intake"]["labels"].get("intake", {"per_s": 0, "p99_ms": float("nan")})
    cfg = f"{head['workers']}x{head['threads']}"
    runs = [
        run_entry("registration_throughput", reg["per_s"], "per_s", baseline=me["per_s"] or None, server=cfg,
                  clients=head["clients"], errors=head["register"]["errors"]),
        run_entry("registration_p99_ms", reg["p99_ms"], "ms", baseline=me["p99_ms"], server=cfg,
                  clients=head["clients"], p50_ms=reg.get("p50_ms")),
        run_entry("registration_intake_throughput", intake["per_s"], "per_s", baseline=me["per_s"] or None,
                  server=cfg, clients=head["clients"], calls="suggest+register+similar"),
        run_entry("registration_intake_p99_ms", intake["p99_ms"], "ms", baseline=me["p99_ms"], server=cfg,
                  clients=head["clients"], p50_ms=intake.get("p50_ms")),
    ]
    return Result(name="registration", data={"configs": results}, table=table, runs=runs)
