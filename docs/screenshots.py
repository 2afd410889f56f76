"""Regenerate the screenshots of the main pages into docs/screenshots/ (`make screenshots`).

Builds its own demo database (var/screenshots.sqlite3), serves it on a free local port, and drives
Debian's Chromium through Playwright at 1366x768.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DB = ROOT / "var" / "screenshots.sqlite3"
BIN = Path(sys.executable).parent
PASSWORD = "xinfang-demo-2026"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# (file name, user, path or callable(page, base))
PAGES = [
    ("01-login", None, "/login/"),
    ("02-home-clerk", "demo_clerk", "/"),
    ("03-intake-visit", "demo_clerk", "/intake/visit/"),
    ("04-queue-dispatcher", "demo_dispatcher", "/queue/all/"),
    ("05-petition-detail", "demo_dispatcher", "first-petition"),
    ("06-search", "demo_clerk", "/search/?q=%E5%81%9C%E8%BD%A6"),
    ("07-petitioners", "demo_clerk", "/petitioners/"),
    ("08-imports", "demo_clerk", "/imports/"),
    ("09-knowledge", "demo_handler", "/knowledge/"),
    ("10-queue-handler", "demo_handler", "/queue/handle/"),
    ("11-manage", "demo_admin", "/manage/"),
    ("12-dashboard", "demo_leader", "/reports/dashboard/"),
    ("13-reports", "demo_analyst", "/reports/"),
    ("14-home-english", "demo_clerk", "english"),
    ("15-my-ownerships", "demo_reviewer", "/ownerships/"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    env = dict(os.environ, XINFANG_DATABASE_URL=f"sqlite:///{DB}", XINFANG_HOME=str(ROOT), XINFANG_DEMO="1")
    DB.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    xinfang = str(BIN / "xinfang")
    subprocess.run([xinfang, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([xinfang, "demo", "--petitions", "150", "--seed", "7"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "xinfang.config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        shoot(base)
    finally:
        server.terminate()
        server.wait(10)


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        current = None
        context = page = None
        for name, user, target in PAGES:
            if user != current or context is None:
                if context:
                    context.close()
                context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                page = context.new_page()
                if user:
                    page.goto(base + "/login/")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                current = user
            if target == "first-petition":
                page.goto(base + "/queue/all/")
                page.locator("table.grid tbody a").first.click()
            elif target == "english":
                page.goto(base + "/")
                with page.expect_navigation():
                    page.select_option("#lang-select", "en")
            else:
                page.goto(base + target)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{name}.png"))
            print(f"docs/screenshots/{name}.png")
        if context:
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
