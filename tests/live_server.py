"""Waiting for a real server process started by a test (gunicorn in a subprocess) to answer."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest


def wait_answering(port: int, token: str, proc: subprocess.Popen, log: Callable[[], str], *,
                   seconds: float = 60, what: str = "the server") -> None:
    """Return once `GET /api/v1/me` with `token` answers 200 on 127.0.0.1:`port`; fail with the last
    lines of the process's log when it exits first, or after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/me",
                                         headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        assert proc.poll() is None, log()[-3000:]
        time.sleep(0.2)
    raise AssertionError(f"{what} did not answer within {seconds:.0f} s")


@contextlib.contextmanager
def scratch_postgres(prefix: str):
    """A new, empty PostgreSQL database beside the suite's (dropped afterwards), as a URL; the test is
    skipped when the suite runs on SQLite."""
    url = os.environ.get("XINFANG_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL: the suite runs on SQLite (XINFANG_DATABASE_URL names no PostgreSQL database)")
    base, _, _name = url.rpartition("/")
    name = f"{prefix}_{os.getpid()}"
    admin = ["psql", f"{base}/postgres", "-q", "-c"]
    subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
    subprocess.run([*admin, f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        yield f"{base}/{name}"
    finally:
        subprocess.run([*admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
