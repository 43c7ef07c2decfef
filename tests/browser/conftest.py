"""Fixtures for the real-browser tests: a Streamlit server and headless Chromium.

The server runs ``streamlit run app.py`` on a free port with its own outcome
log (``SITING_DB_URL`` -> a temporary SQLite file) and user folder, so tests
never touch the user's data. Chromium is Debian's (``chromium_path`` fixture).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "tests" / "_artifacts" / "screenshots"
_START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def run_app_server(tmp: Path, env: dict[str, str] | None = None,
                   args: tuple[str, ...] = (), port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free port; yields its base URL, stops it afterwards.

    ``env`` is added to the environment (default outcome log: a SQLite file in
    ``tmp``); ``args`` are extra ``streamlit run`` options; ``port`` default: a free one.
    """
    port = port or _free_port()
    env = {**os.environ, "SITING_DB_URL": f"sqlite:///{tmp / 'outcomes.sqlite'}",
           "SITING_USER_DIR": str(tmp / "user"), "PYTHONUNBUFFERED": "1", **(env or {})}
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *args],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + _START_TIMEOUT_S
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                text = (tmp / "server.log").read_text()
                pytest.fail(f"streamlit did not start (exit {proc.poll()}):\n{text[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running app server (stopped at the end of the session)."""
    with run_app_server(tmp_path_factory.mktemp("app_server")) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    """A headless Chromium driven by Playwright (sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def screenshot_dir() -> Path:
    """Where screenshots go (gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def app_runner() -> object:
    """:func:`run_app_server`, for tests that need a server of their own configuration."""
    return run_app_server
