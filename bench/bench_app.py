"""Benchmark the app: map building, re-ranking, and real-browser render times.

Prints numbers; asserts nothing. Run from the repository root::

    .venv/bin/python bench/bench_app.py            # in-process + browser
    .venv/bin/python bench/bench_app.py --no-browser

Targets from the app issue: first complete render of the Map page on the demo
data within 3 s of a warm server; a weight change re-ranks and redraws within
0.5 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _timeit(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def in_process() -> None:
    from siting.criteria.profiles import load_profile
    from siting.data.layers import load_layerset
    from siting.demo import demo_sites_large
    from siting.scoring.sites import evaluate
    from siting.views import map as mapview

    codes = "9901,9902,9903,9904"
    t0 = time.perf_counter()
    lset = load_layerset("demo", region=codes)
    print(f"load demo layerset (cold)            {time.perf_counter() - t0:8.3f} s")
    prof = load_profile("battery_plant")
    t0 = time.perf_counter()
    res = evaluate(None, prof, lset)
    print(f"evaluate battery_plant, {len(res.sites):5d} sites   {time.perf_counter() - t0:8.3f} s")
    w = dict.fromkeys(res.weights, 1.0)
    print(f"rerank (median of 20)                {_timeit(lambda: res.rerank(w), 20):8.4f} s")

    def build(result):
        sites = result.sites.copy()
        sites["score"] = result.scores / 100.0
        sites["rank"] = result.rank_passing
        sites["passes"] = result.passes
        sites["reasons"] = result.reasons("sv")
        layers = [mapview.MapLayer(lid, ly.spec.title("sv"), ly.spec.theme, ly.data)
                  for lid, ly in lset.layers.items()
                  if ly.spec.theme in ("energy", "logistics") and ly.spec.kind in
                  ("point", "line", "polygon")]
        fmap = mapview.build_map(municipalities=lset.municipalities, study_codes=codes.split(","),
                                 layers=layers, sites=sites)
        return mapview.map_html(fmap)

    page = build(res)
    print(f"map HTML, {len(res.sites)} sites: build {_timeit(lambda: build(res), 3):.3f} s, "
          f"{len(page) / 1e6:.2f} MB, external URLs: {len(mapview.external_urls(page))}")
    for n in (2000, 10000):
        many = demo_sites_large(n, seed=1)
        t0 = time.perf_counter()
        res_many = evaluate(many, prof, lset)
        t_eval = time.perf_counter() - t0
        t_rerank = _timeit(lambda r=res_many: r.rerank(w), 5)
        t0 = time.perf_counter()
        page = build(res_many)
        t_map = time.perf_counter() - t0
        print(f"{n:5d} sites: evaluate {t_eval:7.2f} s, rerank {t_rerank:.4f} s, "
              f"map build {t_map:.2f} s, {len(page) / 1e6:.1f} MB")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def browser() -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench_app_"))
    port = _free_port()
    env = {**os.environ, "SITING_DB_URL": f"sqlite:///{tmp / 'o.sqlite'}",
           "SITING_USER_DIR": str(tmp / "user")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])

            def map_ready(page) -> None:
                page.wait_for_function("""() => [...document.querySelectorAll('iframe')].some(f => {
                    try { return f.contentDocument.querySelectorAll(
                        '.leaflet-container path.leaflet-interactive').length >= 48; }
                    catch (e) { return false; } })""", timeout=60_000, polling=50)

            def fresh_map_load() -> float:
                ctx = b.new_context(viewport={"width": 1400, "height": 1000})
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(url)
                map_ready(page)
                dt = time.perf_counter() - t0
                ctx.close()
                return dt

            cold = fresh_map_load()
            warm = [fresh_map_load() for _ in range(3)]
            print(f"browser: map page, cold server       {cold:8.2f} s")
            print(f"browser: map page, warm server       {statistics.median(warm):8.2f} s "
                  f"(median of 3: {', '.join(f'{x:.2f}' for x in warm)})")

            ctx = b.new_context(viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            page.goto(f"{url}/ranking")
            page.wait_for_selector('[data-testid="stSlider"] input[type="range"]',
                                   timeout=60_000)
            times = []
            for key in ("End", "Home", "End", "Home"):
                old = page.locator('[data-testid="stMarkdownContainer"]').filter(
                    has_text="Topp 3:").first.inner_text()
                slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
                slider.focus()
                t0 = time.perf_counter()
                slider.press(key)
                page.wait_for_function(
                    """(old) => [...document.querySelectorAll(
                        '[data-testid="stMarkdownContainer"]')].some(
                        e => e.innerText.startsWith('Topp 3') && e.innerText !== old)""",
                    arg=old, timeout=30_000, polling=20)
                times.append(time.perf_counter() - t0)
                page.wait_for_timeout(300)
            print(f"browser: weight change -> new ranking {statistics.median(times):7.3f} s "
                  f"({', '.join(f'{x:.3f}' for x in times)})")
            # redraw of the map with the new weights (same session, map page)
            t0 = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Karta").first.click()
            map_ready(page)
            print(f"browser: map redraw with new weights {time.perf_counter() - t0:8.3f} s "
                  "(first map view in this tab)")
            # the same after the tab has shown the map once (the usual back-and-forth)
            redraws = []
            for key in ("ArrowRight", "ArrowRight", "ArrowRight"):  # new weights each time
                page.locator('[data-testid="stSidebarNav"] a').filter(
                    has_text="Rangordning").first.click()
                slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
                slider.wait_for(timeout=60_000)
                slider.focus()
                slider.press(key)
                page.wait_for_timeout(800)
                t0 = time.perf_counter()
                page.locator('[data-testid="stSidebarNav"] a').filter(
                    has_text="Karta").first.click()
                map_ready(page)
                redraws.append(time.perf_counter() - t0)
            print(f"browser: map redraw, map seen before {statistics.median(redraws):7.3f} s "
                  f"({', '.join(f'{x:.3f}' for x in redraws)})")
            ctx.close()
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    in_process()
    if not args.no_browser:
        browser()


if __name__ == "__main__":
    main()
