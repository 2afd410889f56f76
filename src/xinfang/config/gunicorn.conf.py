"""gunicorn's production configuration (`make run`, docs/deploy.md): `gunicorn -c <this file> xinfang.config.wsgi`.

Chosen by measurement (bench/bench_registration.py, docs/deploy.md "Web processes"): on 2 cores,
WORKERS processes with THREADS threads each (gthread when THREADS > 1, the sync worker otherwise).
Every value can be overridden from the environment, so one file serves every machine:

- XINFANG_WEB_WORKERS (default below), XINFANG_WEB_THREADS, XINFANG_BIND (default 127.0.0.1:$PORT or :8000),
- XINFANG_ACCESS_LOG ("-" for standard output, the default; empty for none), XINFANG_WEB_TIMEOUT (s).
"""

import os

# two single-threaded processes per core (4 on the 2-core reference machine): in the same runs they
# registered 100-118/s with p99 168-226 ms where 2 processes x 4 threads gave 82-106/s, p99 269-392 ms
# (a thread holding SQLite's write turn waits for the interpreter behind its siblings)
DEFAULT_WORKERS = max(2, 2 * (os.cpu_count() or 1))
DEFAULT_THREADS = 1


def _int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


workers = _int("XINFANG_WEB_WORKERS", DEFAULT_WORKERS)
threads = _int("XINFANG_WEB_THREADS", DEFAULT_THREADS)
worker_class = "gthread" if threads > 1 else "sync"
bind = os.environ.get("XINFANG_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
_access = os.environ.get("XINFANG_ACCESS_LOG", "-")
accesslog = _access or None
graceful_timeout = 5
timeout = _int("XINFANG_WEB_TIMEOUT", 60)
keepalive = 5
# Recycle a worker now and then (bounded memory over weeks); the jitter keeps them from restarting together.
max_requests = 20000
max_requests_jitter = 2000
