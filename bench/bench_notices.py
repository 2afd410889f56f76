"""Notices: how many notices one `xinfang worker` issues per second, the lag from a move to its notice,
and the worker's peak memory (issue 13).

Everything runs on a scratch database of its own (a SQLite file `var/bench/notices-scratch.sqlite3`, or
a schema `bench_notices` of the PostgreSQL bench database), made afresh each run, and a scratch
XINFANG_HOME (its media directory holds the notices' files): the petitions are registered and moved
through the real services (`petition_register`, then `petition_act(..., "assign")`: a 登记回执 and a
转送交办告知 per petition), so every job is the one a live system queues. Steps, each a child process:

1. setup: migrate and create the demo city;
2. backlog: register and assign `N` petitions with no worker running (the loader's rate, notices
   queued per second, is the same-run baseline: the worker must issue at least that fast), then one
   `xinfang worker --once` issues them all: `notices_per_s` is notices / the span from the first notice
   to the last (the drain, without the process start, also reported);
3. live: a `xinfang worker --poll 0.1` runs while the loader registers and assigns `M` more petitions as
   fast as it can; `notice_lag_s` is the p95 of (notice row created - the move's event time) over
   those notices (p50 and max reported too), i.e. a move's notice exists within that many seconds;
4. the worker's peak RSS (VmHWM of /proc/<pid>/status, polled) over both runs: `worker_rss_mb`, the
   larger of the two (`once` and `live` recorded beside it). The `--once` run starts with the deadline
   sweep, whose notifications call `reverse()`: that loads the whole URL configuration, and with the API
   routers the classifier's scikit-learn, scipy and jieba (about 95 MB; insight/selectors.py imports the
   classifier at the top). The live worker runs no sweep here (its slot was taken by `--once`), so its
   figure is the notices' own;
5. the first download of a sample of notices (PDF and DOCX rendered from the frozen content, the work
   the worker no longer does), per second, for comparison with the rendering worker of before.

Run: `python -m bench --only notices [--quick]` (quick: 150 backlog + 150 live petitions; full: 1,000
+ 600).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import Context, Result, project_dir, run_entry

SCHEMA = "bench_notices"


# ---- child processes ----------------------------------------------------------------------------

def _child_env(db_url: str, home: Path) -> dict:
    env = dict(os.environ)
    env.update({"XINFANG_DATABASE_URL": db_url, "XINFANG_HOME": str(home), "XINFANG_DEMO": "1",
                "DJANGO_SETTINGS_MODULE": "xinfang.config.settings", "XINFANG_LOG_LEVEL": "WARNING",
                "XINFANG_SWEEP_SECONDS": "3600"})
    env["PYTHONPATH"] = os.pathsep.join([str(project_dir()), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _xinfang() -> str:
    exe = Path(sys.executable).with_name("xinfang")
    return str(exe) if exe.exists() else shutil.which("xinfang") or "xinfang"


def _call(env, *args, timeout=1800) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bench_notices", *args], env=env, cwd=project_dir(),
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"bench_notices {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class _Peak(threading.Thread):
    """Polls a process's VmHWM (peak resident set) until it exits."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            except OSError:
                return
            self.done.wait(0.2)


def _worker(env, *args) -> tuple[subprocess.Popen, _Peak]:
    proc = subprocess.Popen([_xinfang(), "worker", *args], env=env, cwd=env["XINFANG_HOME"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = _Peak(proc.pid)
    peak.start()
    proc.started = threading.Event()
    proc.lines = []

    def read():
        for line in proc.stdout:
            proc.lines.append(line)
            proc.started.set()  # the first line: "后台任务进程已启动…" (running) or a run's summary
        proc.started.set()

    threading.Thread(target=read, daemon=True).start()
    return proc, peak


# ---- the steps, run inside the children -----------------------------------------------------------

def _setup() -> dict:
    from django.core.management import call_command

    from xinfang.org.demo import build_demo_org

    call_command("migrate", verbosity=0, interactive=False)
    build_demo_org()
    return {"ok": True}


def _load(n: int, offset: int) -> dict:
    """Register and assign `n` petitions through the services; notices queued per second."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from xinfang.petitions.services import PetitionerInput
    from xinfang.workflow.services import petition_act, petition_register

    users = get_user_model().objects
    clerk, dispatcher = users.get(username="demo_clerk"), users.get(username="demo_dispatcher")
    topics = ["小区物业违规收取停车费", "道路施工噪音扰民", "小区电梯长期停运", "农民工工资被拖欠", "学校周边交通拥堵"]
    start = time.perf_counter()
    events = 0
    for i in range(offset, offset + n):
        topic = topics[i % len(topics)]
        p, _code = petition_register(
            actor=clerk, petitioners=[PetitionerInput(name=f"测试{i}", phone=f"139{i:08d}")],
            channel="visit", received_at=timezone.now() - dt.timedelta(minutes=5), title=f"{topic}（{i}）",
            content=f"{topic}，群众多次反映无果，请求有关部门依法处理（第{i}件）。", demands="请求依法处理。",
            category="010101", problem_region="990102001")
        petition_act(actor=dispatcher, petition_id=p.pk, action="assign", version=p.version,
                     params={"unit": "DH-ZJ"})
        events += 2
    seconds = time.perf_counter() - start
    return {"petitions": n, "events": events, "seconds": seconds}


def _notices(since_id: int) -> dict:
    """Notices issued after document id `since_id`: count, span, lags from their move."""
    from xinfang.reports.models import IssuedDocument
    from xinfang.workflow.models import PetitionEvent

    rows = list(IssuedDocument.objects.filter(pk__gt=since_id).values_list("created_at", "event_id"))
    at = dict(PetitionEvent.objects.filter(pk__in=[e for _c, e in rows]).values_list("pk", "at"))
    lags = sorted((c - at[e]).total_seconds() for c, e in rows if e in at)
    created = sorted(c for c, _e in rows)
    span = (created[-1] - created[0]).total_seconds() if len(created) > 1 else 0.0
    last = IssuedDocument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return {"count": len(rows), "span_s": span, "lags": lags, "last_id": last}


def _render(k: int) -> dict:
    """First download of `k` notices: their PDF and DOCX rendered from the frozen content."""
    import resource

    from xinfang.reports.models import IssuedDocument
    from xinfang.reports.notices.services import file_present

    docs = list(IssuedDocument.objects.filter(pdf="").order_by("pk")[:k])
    start = time.perf_counter()
    ok = sum(file_present(d.pdf) and file_present(d.docx) for d in docs)
    seconds = time.perf_counter() - start
    return {"rendered": ok, "seconds": seconds,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _last_id() -> dict:
    from xinfang.reports.models import IssuedDocument

    return {"last_id": IssuedDocument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0}


def _main(argv: list[str]) -> None:
    import django

    django.setup()
    cmd = argv[0]
    if cmd == "setup":
        out = _setup()
    elif cmd == "load":
        out = _load(int(argv[1]), int(argv[2]))
    elif cmd == "notices":
        out = _notices(int(argv[1]))
    elif cmd == "render":
        out = _render(int(argv[1]))
    elif cmd == "last":
        out = _last_id()
    else:
        raise SystemExit(f"unknown step {cmd}")
    print(json.dumps(out, default=str))


# ---- the benchmark ----------------------------------------------------------------------------------

def _scratch_db(ctx: Context) -> str:
    if ctx.backend == "postgresql":
        from urllib.parse import quote

        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}")
        url = os.environ["XINFANG_BENCH_POSTGRES_URL"]
        return f"{url}{'&' if '?' in url else '?'}options={quote(f'-c search_path={SCHEMA}', safe='')}"
    path = project_dir() / "var" / "bench" / "notices-scratch.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.4999)) - 1))]


def run(ctx: Context) -> Result:
    backlog_n, live_n, render_k = (150, 150, 10) if ctx.quick else (1000, 600, 20)
    home = Path(tempfile.mkdtemp(prefix="xf-bench-notices-"))
    try:
        env = _child_env(_scratch_db(ctx), home)
        _call(env, "setup")

        # backlog: queued with no worker, then one worker --once issues them all
        loaded = _call(env, "load", str(backlog_n), "0")
        produce_rate = loaded["events"] / loaded["seconds"]
        started = time.perf_counter()
        proc, peak_once = _worker(env, "--once")
        proc.wait(timeout=3600)
        wall = time.perf_counter() - started
        peak_once.done.set()
        peak_once.join()
        if proc.returncode:
            time.sleep(0.5)
            raise RuntimeError("worker --once failed:\n" + "".join(proc.lines)[-3000:])
        backlog = _call(env, "notices", "0")
        drain_rate = backlog["count"] / backlog["span_s"] if backlog["span_s"] else 0.0

        # live: a running worker while petitions are registered and moved
        since = backlog["last_id"]
        proc, peak_live = _worker(env, "--poll", "0.1")
        proc.started.wait(300)  # Django start-up done, so the lag measures issuing, not the start
        time.sleep(1)
        live_load = _call(env, "load", str(live_n), str(backlog_n))
        deadline = time.perf_counter() + 120
        live = _call(env, "notices", str(since))
        while live["count"] < live_load["events"] and time.perf_counter() < deadline:
            time.sleep(0.5)
            live = _call(env, "notices", str(since))
        proc.terminate()
        proc.wait(30)
        peak_live.done.set()
        peak_live.join()
        lags = live["lags"]

        rendered = _call(env, "render", str(render_k))
        render_rate = rendered["rendered"] / rendered["seconds"] if rendered["seconds"] else 0.0
    finally:
        shutil.rmtree(home, ignore_errors=True)

    rss_mb = max(peak_once.peak_kb, peak_live.peak_kb) / 1024
    lag_p50, lag_p95, lag_max = (_pct(lags, 0.5), _pct(lags, 0.95), max(lags) if lags else 0.0)
    live_rate = live_load["events"] / live_load["seconds"]
    data = {
        "backlog_petitions": backlog_n, "backlog_notices": backlog["count"],
        "notices_per_s": round(drain_rate, 1), "worker_once_wall_s": round(wall, 2),
        "notices_per_s_with_start": round(backlog["count"] / wall, 1) if wall else 0.0,
        "loader_notices_queued_per_s": round(produce_rate, 1),
        "live_petitions": live_n, "live_notices": live["count"], "live_expected": live_load["events"],
        "live_loader_notices_per_s": round(live_rate, 1),
        "notice_lag_p50_s": round(lag_p50, 3), "notice_lag_p95_s": round(lag_p95, 3),
        "notice_lag_max_s": round(lag_max, 3),
        "worker_rss_mb_once": round(peak_once.peak_kb / 1024, 1),
        "worker_rss_mb_live": round(peak_live.peak_kb / 1024, 1),
        "first_download_renders_per_s": round(render_rate, 2), "render_process_rss_mb": round(rendered["rss_mb"], 1),
        "note": "notices issued at once (number, frozen content + SHA-256, audit); PDF/DOCX on first download",
    }
    table = [
        ("notices issued per second (backlog drain)", f"{drain_rate:.1f}/s ({backlog['count']} notices)"),
        ("  with process start (worker --once wall)", f"{data['notices_per_s_with_start']}/s ({wall:.1f} s)"),
        ("notices queued per second by registration+assign", f"{produce_rate:.1f}/s (ratio {drain_rate / produce_rate:.2f})"),
        ("live: lag move -> notice p50 / p95 / max", f"{lag_p50:.2f} / {lag_p95:.2f} / {lag_max:.2f} s "
                                                    f"({live['count']}/{live_load['events']} notices at {live_rate:.1f}/s)"),
        ("worker peak RSS (once / live)", f"{data['worker_rss_mb_once']} / {data['worker_rss_mb_live']} MB"),
        ("first download: PDF+DOCX rendered per second", f"{render_rate:.2f}/s (RSS {rendered['rss_mb']:.0f} MB)"),
    ]
    runs = [
        run_entry("notices_per_s", drain_rate, "notices/s", baseline=produce_rate),
        run_entry("notice_lag_s", lag_p95, "s (p95)", baseline=None, p50=round(lag_p50, 3), max=round(lag_max, 3)),
        run_entry("worker_rss_mb", rss_mb, "MB", once=data["worker_rss_mb_once"], live=data["worker_rss_mb_live"]),
    ]
    return Result("notices", data, table, runs)


if __name__ == "__main__":
    _main(sys.argv[1:])
