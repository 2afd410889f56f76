"""The README's API examples, pasted as they are into bash against a live server: every request must
answer 2xx, so the examples cannot silently break (a token of the wrong account, a stale version,
a petition id that does not exist)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from xinfang.petitions.models import Petition

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
XINFANG = Path(sys.executable).with_name("xinfang")

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="the README's examples need bash and curl")


def api_block() -> str:
    """The ```sh block of the README's API section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## API\n"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the API section has one sh block"
    return blocks[0]


def database_url() -> str:
    """The test database, for the `xinfang token create` the examples run."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(autouse=True)
def _drain_live_server(transactional_db):
    """Let the live server's request threads finish before the database is flushed."""
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            "process_request_thread" in t.name for t in threading.enumerate() if t is not threading.current_thread()):
        time.sleep(0.01)


def test_readme_api_examples_work(org, live_server):
    block = api_block()
    assert "http://127.0.0.1:8000" in block and ".venv/bin/xinfang" in block
    script = block.replace("http://127.0.0.1:8000", live_server.url).replace(".venv/bin/xinfang", str(XINFANG))
    # as pasted, but stop at the first request that does not answer 2xx (curl -s alone would not)
    prelude = "set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n"
    before = set(Petition.objects.values_list("pk", flat=True))
    env = {**os.environ, "XINFANG_DATABASE_URL": database_url(), "XINFANG_HOME": str(ROOT)}
    result = subprocess.run(["bash", "-c", prelude + script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"

    # what they print is JSON, never an error
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(answers) >= 4 and not any(isinstance(a, dict) and "error" in a for a in answers), answers
    new = Petition.objects.exclude(pk__in=before).get()
    assert new.status == "in_handling" and new.handler.username == "demo_handler"
    assert [e.action for e in new.events.order_by("id")] == ["register", "assign", "accept"]
