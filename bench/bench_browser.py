"""Browser benchmark of the app: first render per page, weight change -> ranking and -> map.

A real Streamlit server and headless Chromium (Playwright). For every timing the
wall time is printed beside the CPU time the Streamlit server spent meanwhile
(from ``/proc/<pid>/stat``), so a slow number on a loaded machine can be told
from slow code. Prints numbers; asserts nothing. With ``--screenshots DIR`` it
also saves a full-page screenshot of every page in Swedish and English.

Run from the repository root (after ``make test`` has installed the dev extras)::

    .venv/bin/python bench/bench_browser.py                     # demo data
    .venv/bin/python bench/bench_browser.py --dataset sweden_open --screenshots shots/

Targets (issue 11): a warm server renders every page in at most 3 s; a weight
change updates the ranking and the map in at most 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PAGES = ("map", "ranking", "compare", "outcomes", "lessons", "data")
_CHROMIUM = "/usr/bin/chromium"
_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_TICKS = os.sysconf("SC_CLK_TCK")


def _path(name: str) -> str:
    """The page's URL path (the map is the default page, at the root)."""
    return "" if name == "map" else name

# Ready = the page's title is drawn, no spinner or "running" indicator for 0.6 s.
_SETTLED_JS = """() => {
  const busy = document.querySelector('[data-testid="stSpinner"]')
            || document.querySelector('[data-testid="stStatusWidget"] button')
            || document.querySelector('.stSkeleton, [data-testid="stSkeleton"]');
  const title = document.querySelector('h1');
  const now = performance.now();
  if (busy || !title) { window.__calm = null; return false; }
  window.__calm = window.__calm || now;
  return now - window.__calm > 600;
}"""


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A Streamlit server on a free port with its own outcome log and user folder."""

    def __init__(self, dataset: str) -> None:
        tmp = Path(tempfile.mkdtemp(prefix="bench_browser_"))
        self.port = _free_port()
        env = {**os.environ, "SITING_DB_URL": f"sqlite:///{tmp / 'o.sqlite'}",
               "SITING_USER_DIR": str(tmp / "user"), "SITING_DATASET": dataset}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.headless", "true", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the Streamlit server did not start")

    def cpu(self) -> float:
        return _cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)


def _timed(server: Server, action: Callable[[], float]) -> tuple[float, float]:
    """(wall s, server CPU s) of ``action``, which returns its own wall time in seconds."""
    c0 = server.cpu()
    wall = action()
    return wall, server.cpu() - c0


def _settle(page, timeout_ms: int = 120_000) -> float:
    """Wait until the page is calm; returns when it became calm (ms since navigation start).

    The calm window itself (0.6 s without a spinner) is not part of the time returned.
    """
    page.evaluate("() => { window.__calm = null; }")
    page.wait_for_function(_SETTLED_JS, timeout=timeout_ms, polling=50)
    return float(page.evaluate("() => window.__calm"))


def _report(label: str, runs: list[tuple[float, float]], results: dict[str, Any]) -> None:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    results[label] = {"wall_s": round(wall, 3), "server_cpu_s": round(cpu, 3)}
    print(f"{label:44s} wall {wall:6.2f} s   server CPU {cpu:6.2f} s   "
          f"(runs: {', '.join(f'{w:.2f}' for w, _ in runs)})", flush=True)


def first_renders(server: Server, browser, repeat: int, results: dict[str, Any]) -> None:
    """Each page opened in a fresh tab (a warm server: every page was opened once before)."""
    for warm in (False, True):
        for name in PAGES:
            runs = []
            for _ in range(repeat if warm else 1):
                ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
                page = ctx.new_page()

                def go(p=page, n=name) -> float:
                    p.goto(f"{server.url}/{_path(n)}")
                    return _settle(p) / 1000.0  # from navigation start

                runs.append(_timed(server, go))
                ctx.close()
            _report(f"first render {name} ({'warm' if warm else 'cold'} server)", runs,
                    results)


def _map_doc(page) -> str:
    return page.evaluate("""() => { const f = document.querySelector('iframe');
        return f ? (f.srcdoc || '').length + ':' + (f.srcdoc || '').slice(-400) : ''; }""")


def _top3(page) -> str:
    return page.locator('[data-testid="stMarkdownContainer"]').filter(
        has_text=re.compile(r"^(Topp 3|Top 3)")).first.inner_text()


def weight_changes(server: Server, browser, repeat: int, results: dict[str, Any]) -> None:
    """Move the first weight slider to an end; time until the ranking (its top 3) / the map
    has changed and the page is calm again."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = ctx.new_page()
    for where in ("ranking", "map"):
        page.goto(f"{server.url}/{_path(where)}")
        _settle(page)
        sliders = page.locator('[data-testid="stSlider"] input[type="range"]')
        if where == "map" and not sliders.count():  # no sites: weights drive the surface
            page.get_by_text(re.compile(r"^(Lämplighetsyta|Suitability surface)")).first.click()
            _settle(page, timeout_ms=600_000)
        if not sliders.count():
            print(f"weight change on {where}: no weights on this page for this dataset",
                  flush=True)
            continue
        runs = []
        for i in range(repeat):
            slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
            slider.focus()
            before = _map_doc(page) if where == "map" else _top3(page)

            def move(s=slider, b=before, w=where, k="Home" if i % 2 else "End") -> float:
                t0 = float(page.evaluate("() => performance.now()"))
                s.press(k)
                if w == "map":
                    page.wait_for_function(
                        """(b) => { const f = document.querySelector('iframe');
                        const d = f ? (f.srcdoc || '') : '';
                        return (d.length + ':' + d.slice(-400)) !== b; }""",
                        arg=b, timeout=60_000, polling=20)
                else:
                    page.wait_for_function(
                        """(b) => [...document.querySelectorAll(
                        '[data-testid="stMarkdownContainer"]')].some(
                        e => /^(Topp 3|Top 3)/.test(e.innerText) && e.innerText !== b)""",
                        arg=b, timeout=60_000, polling=20)
                return (_settle(page) - t0) / 1000.0

            runs.append(_timed(server, move))
        _report(f"weight change -> {'map redrawn' if where == 'map' else 'new ranking'}",
                runs, results)
    ctx.close()


def screenshots(server: Server, browser, folder: Path) -> None:
    """A full-page screenshot of every page in Swedish and English."""
    folder.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1440, "height": 2400})
    page = ctx.new_page()
    for lang, button in (("sv", None), ("en", "English")):
        for name in PAGES:
            page.goto(f"{server.url}/{_path(name)}")
            _settle(page)
            if button:
                page.locator("[data-testid=stSidebar]").get_by_text(button, exact=True).first.click()
                _settle(page)
            page.wait_for_timeout(500)
            page.screenshot(path=str(folder / f"{name}_{lang}.png"), full_page=True)
            print(f"screenshot {folder / f'{name}_{lang}.png'}", flush=True)
    ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="demo", help="catalogue the app opens on")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--screenshots", type=Path, help="save screenshots here")
    parser.add_argument("--only-screenshots", action="store_true")
    parser.add_argument("--skip-renders", action="store_true", help="weight changes only")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"dataset {args.dataset}, {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    server = Server(args.dataset)
    results: dict[str, Any] = {"dataset": args.dataset, "load_average": os.getloadavg()[0]}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=_CHROMIUM, args=_ARGS)
            if not args.only_screenshots:
                if not args.skip_renders:
                    first_renders(server, browser, args.repeat, results)
                weight_changes(server, browser, args.repeat, results)
            if args.screenshots:
                screenshots(server, browser, args.screenshots)
            browser.close()
    finally:
        server.stop()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
