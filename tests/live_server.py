"""Waiting for a real server process started by a test (gunicorn in a subprocess) to answer."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable


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
