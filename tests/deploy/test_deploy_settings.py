"""The many-machine settings (docs/deploy.md): the read-replica router and Redis.

Each case runs Django in a child process with an environment of its own, as a web process would start:
- without XINFANG_DATABASE_REPLICA_URL and XINFANG_REDIS_URL nothing changes (one database alias, no
  router, every read on the primary, the per-process cache, sessions in the database);
- with a replica, reads inside `replica_reads()` go to the "replica" alias and really read there, but
  not inside a transaction, and writes and every other read stay on the primary;
- with Redis (a real redis-server on a loopback port, when Debian's redis-server is installed), the
  cache and the sessions live in Redis.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.db import transaction
from xinfang.common.replica import replica_reads
from xinfang.org.models import Region
out = {"aliases": sorted(settings.DATABASES), "routers": settings.DATABASE_ROUTERS,
       "cache": settings.CACHES["default"]["BACKEND"], "sessions": settings.SESSION_ENGINE,
       "plain": Region.objects.all().db}
with replica_reads():
    out["replica_block"] = Region.objects.all().db
    from django.db import router
    out["write_db"] = router.db_for_write(Region)
    with transaction.atomic():
        out["in_transaction"] = Region.objects.all().db
out["after_block"] = Region.objects.all().db
print(json.dumps(out))
"""

REDIS_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.contrib.sessions.backends.cache import SessionStore
cache.set("xf-deploy-probe", 42, 60)
s = SessionStore()
s["who"] = "probe"
s.create()
again = SessionStore(session_key=s.session_key)
import redis
r = redis.Redis.from_url(settings.REDIS_URL)
print(json.dumps({"cache": cache.get("xf-deploy-probe"), "session": again.get("who"),
                  "keys": sorted(k.decode() for k in r.keys("*"))}))
"""


def _env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_") and k != "PYTEST_VERSION"}
    env.update(XINFANG_HOME=str(tmp_path), XINFANG_DEMO="1", DJANGO_SETTINGS_MODULE="xinfang.config.settings",
               XINFANG_DATABASE_URL=f"sqlite:///{tmp_path / 'primary.sqlite3'}", XINFANG_LOG_LEVEL="WARNING",
               PYTHONPATH=str(ROOT / "src"))
    env.update(extra)
    return env


def _python(env: dict, code: str) -> dict:
    r = subprocess.run([str(BIN / "python"), "-c", code], env=env, cwd=env["XINFANG_HOME"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _migrate(env: dict) -> None:
    """The tables of the org app (and what it depends on): enough for the reads below."""
    r = subprocess.run([str(BIN / "xinfang"), "migrate", "org", "--noinput", "-v", "0"], env=env, cwd=env["XINFANG_HOME"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]


def test_without_the_variables_nothing_changes(tmp_path):
    env = _env(tmp_path)
    out = _python(env, PROBE)
    assert out["aliases"] == ["default"] and out["routers"] == []
    assert out["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert out["sessions"] == "django.contrib.sessions.backends.db"
    assert out["plain"] == out["replica_block"] == out["in_transaction"] == out["after_block"] == "default"
    assert out["write_db"] in (None, "default")


def test_replica_reads_go_to_the_replica_outside_transactions(tmp_path):
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = _env(tmp_path)
    _migrate(env)
    shutil.copy(primary, replica)  # a replica: the primary's schema and rows …
    code = ("import django; django.setup()\n"
            "from xinfang.org.models import Region\n"
            "Region.objects.create(code='990999', name='只在主库', level='district')\n")
    r = subprocess.run([str(BIN / "python"), "-c", code], env=env, cwd=str(tmp_path), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]  # … lagging one row behind the primary
    env = _env(tmp_path, XINFANG_DATABASE_REPLICA_URL=f"sqlite:///{replica}")
    out = _python(env, PROBE)
    assert out["aliases"] == ["default", "replica"]
    assert out["routers"] == ["xinfang.common.replica.ReplicaRouter"]
    assert out["plain"] == "default" and out["after_block"] == "default"
    assert out["replica_block"] == "replica" and out["in_transaction"] == "default"
    assert out["write_db"] == "default"
    counts = _python(env, "import django, json; django.setup()\n"
                          "from xinfang.common.replica import replica_reads\n"
                          "from xinfang.org.models import Region\n"
                          "primary = Region.objects.count()\n"
                          "with replica_reads():\n    replica = Region.objects.count()\n"
                          "print(json.dumps([primary, replica]))\n")
    assert counts[0] == counts[1] + 1  # the replica really answered the read in the block


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cache_and_sessions_in_redis(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("Debian's redis-server is not installed")
    pytest.importorskip("redis")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        env = _env(tmp_path, XINFANG_REDIS_URL=f"redis://127.0.0.1:{port}/0")
        out = _python(env, PROBE)
        assert out["cache"] == "django.core.cache.backends.redis.RedisCache"
        assert out["sessions"] == "django.contrib.sessions.backends.cache"
        got = _python(env, REDIS_PROBE)
        assert got["cache"] == 42 and got["session"] == "probe"
        assert any("xf-deploy-probe" in k for k in got["keys"]), got["keys"]
        assert any("django.contrib.sessions.cache" in k for k in got["keys"]), got["keys"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
