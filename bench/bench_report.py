"""Time the site dossier and the comparison report on the demo region.

Prints seconds per step (data assembly, images, PDF, HTML) for the top site of each
profile and language, and the file sizes. Run: ``.venv/bin/python bench/bench_report.py``.
"""

from __future__ import annotations

import time

from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.outcomes import cases_to_frame, demo_cases
from siting.scoring.sites import evaluate
from siting.views.report import build_comparison, build_dossier, render_comparison
from siting.views.report.render import dossier_images, render_dossier


def main() -> None:
    t0 = time.perf_counter()
    ls = load_layerset("demo", region=list(STUDY_AREA))
    print(f"load demo layers        {time.perf_counter() - t0:6.2f} s")
    cases = cases_to_frame(demo_cases())
    for pid in ("battery_plant", "steelworks", "data_center"):
        t0 = time.perf_counter()
        res = evaluate(None, load_profile(pid), ls)
        t_eval = time.perf_counter() - t0
        site = str(res.table.sort_values("rank")["site_id"].iloc[0])
        for lang in ("sv", "en"):
            t0 = time.perf_counter()
            d = build_dossier(res, site, ls, lang=lang, cases=cases,
                              learn_options={"n_boot": 100, "compare_trees": False})
            t_build = time.perf_counter() - t0
            t0 = time.perf_counter()
            images = dossier_images(d)
            t_img = time.perf_counter() - t0
            t0 = time.perf_counter()
            pdf = render_dossier(d, "pdf", images)
            t_pdf = time.perf_counter() - t0
            t0 = time.perf_counter()
            html = render_dossier(d, "html", images)
            t_html = time.perf_counter() - t0
            print(f"{pid:14s} {site:6s} {lang}: evaluate {t_eval:5.2f} s, assemble "
                  f"{t_build:5.2f} s (incl. learning), images {t_img:5.2f} s, pdf {t_pdf:5.2f} s "
                  f"({len(pdf) / 1e6:.2f} MB), html {t_html:5.2f} s ({len(html) / 1e6:.2f} MB)")
        t0 = time.perf_counter()
        comp = build_comparison(res, ls, lang="sv")
        out = render_comparison(comp, "pdf")
        print(f"{pid:14s} comparison report: {time.perf_counter() - t0:5.2f} s "
              f"({len(out) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
