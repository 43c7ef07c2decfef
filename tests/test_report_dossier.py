"""The site dossier: data assembly, PDF text, self-contained HTML, confidential cases."""

from __future__ import annotations

import dataclasses
import doctest
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import siting.views.report.dossier as dossier_mod
import siting.views.report.dossier_parts as dossier_parts_mod
import siting.views.report.maps as maps_mod
from siting.core.errors import ReportError, ScoringError
from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.outcomes import cases_to_frame, demo_cases
from siting.scoring import evaluate
from siting.scoring.result import STATUS_FAIL, STATUS_NOT_EVALUATED, STATUS_PASS
from siting.views.report import build_dossier, filter_cases
from siting.views.report.render import dossier_images, render_dossier, write_dossier

PROFILES = ("battery_plant", "steelworks", "data_center")
_FAST_LEARN = {"n_boot": 20, "compare_trees": False}
_STATUS = {STATUS_PASS: "pass", STATUS_FAIL: "fail", STATUS_NOT_EVALUATED: "unknown"}


@pytest.fixture(scope="module")
def demo_ls():
    return load_layerset("demo", region=list(STUDY_AREA))


@pytest.fixture(scope="module")
def results(demo_ls):
    return {p: evaluate(None, load_profile(p), demo_ls) for p in PROFILES}


def _top(result) -> str:
    return str(result.table.sort_values("rank")["site_id"].iloc[0])


def _pdf_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:  # poppler-utils is a documented dependency of the test suite
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF text")
    out = subprocess.run([exe, "-layout", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return re.sub(r"\s+", " ", out.replace("\u00a0", " "))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("profile_id", PROFILES)
def test_pdf_of_top_site_names_site_municipality_profile_and_every_hard_criterion(
        results, demo_ls, tmp_path, profile_id, lang) -> None:
    res = results[profile_id]
    site = _top(res)
    d = build_dossier(res, site, demo_ls, lang=lang, n_draws=200)
    path = write_dossier(d, tmp_path / f"{site}.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = _pdf_text(path)
    assert site in text
    code = str(res.table.loc[res.site_index(site), "kommunkod"])
    names = dict(zip(demo_ls.municipalities["kommunkod"], demo_ls.municipalities["name"],
                     strict=True))
    assert names[code] in text  # e.g. "Norrvik" (å/ä/ö survive the embedded font)
    assert res.profile.name(lang) in text
    for crit in res.profile.hard:
        label = crit.label_sv if lang == "sv" else crit.label_en
        assert _flat(label) in text, f"hard criterion '{label}' missing from the PDF"
    assert ("Skallkrav" if lang == "sv" else "Hard criteria") in text
    assert ("Källor och licenser" if lang == "sv" else "Sources and licences") in text


def test_dossier_data_agrees_with_the_result(results, demo_ls) -> None:
    res = results["battery_plant"]
    failing = res.table[~res.table["passes_hard"]].iloc[0]
    sid = str(failing["site_id"])
    d = build_dossier(res, sid, demo_ls, lang="en", n_draws=200, with_map=False)
    idx = res.site_index(sid)
    assert not d.passes
    assert d.rank == int(res.table.at[idx, "rank"])
    assert d.rank > d.n_pass  # a failing site ranks below every passing one
    assert [h.criterion_id for h in d.hard] == [c.id for c in res.profile.hard]
    assert [h.status for h in d.hard] == [_STATUS[int(c)] for c in res.hard_status.loc[idx]]
    failed = [h for h in d.hard if h.status == "fail"]
    assert len(failed) == int(failing["n_failed"]) > 0
    assert all(h.sentence in str(failing["failures_en"]) for h in failed)
    assert sum(s.contribution for s in d.soft) == pytest.approx(d.score, abs=1e-6)
    assert d.p_rank1 == 0.0 and d.p_top3 == 0.0  # failing sites are never ranked first
    assert d.map is None


def test_catchment_crosses_municipal_and_county_borders(results, demo_ls) -> None:
    res = results["battery_plant"]
    d = build_dossier(res, "NV-01", demo_ls, lang="sv", n_draws=100, with_map=False)
    rows = {r.kommunkod: r for r in d.catchment}
    assert "9801" in rows, "the neighbour Grannby (county 98) must count in the labour pool"
    assert not rows["9801"].in_study_area and rows["9901"].in_study_area
    assert rows["9801"].labour > 0
    # the per-municipality pools add up to the total, which equals the profile's metric
    assert sum(r.labour for r in d.catchment) == pytest.approx(d.catchment_total, rel=1e-9)
    metric = float(res.table.at[res.site_index("NV-01"), "metric_labour_pool_45min"])
    assert d.catchment_total == pytest.approx(metric, rel=1e-9)


def test_map_extent_contains_site_and_nearest_400kv_station(results, demo_ls) -> None:
    res = results["steelworks"]
    d = build_dossier(res, "NV-01", demo_ls, lang="sv", n_draws=100)
    minx, miny, maxx, maxy = d.map.extent
    sx0, sy0, sx1, sy1 = d.map.site.total_bounds
    assert minx < sx0 and sx1 < maxx and miny < sy0 and sy1 < maxy
    subs = d.map.layers["substations"]
    assert (subs["voltage_kv"] >= 380).any()
    png = dossier_images(d).map_png
    assert png is not None and png.startswith(b"\x89PNG")


def test_unknown_site_suggests_close_ids(results, demo_ls) -> None:
    with pytest.raises(ScoringError, match=r"NV-99.*did you mean NV-"):
        build_dossier(results["battery_plant"], "NV-99", demo_ls, lang="sv")
    with pytest.raises(ReportError, match="language"):
        build_dossier(results["battery_plant"], "NV-01", demo_ls, lang="de")


# ----------------------------------------------------------------------------- HTML
_RESOURCE = re.compile(r"""<(?:script|img|link|source|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']"""
                       r"""([^"']*)["']""", re.I)


def test_html_is_self_contained(results, demo_ls) -> None:
    from siting.views.map import external_urls

    d = build_dossier(results["data_center"], _top(results["data_center"]), demo_ls,
                      lang="en", n_draws=100)
    page = render_dossier(d, "html").decode("utf-8")
    refs = _RESOURCE.findall(page)
    assert refs, "the page should embed its images"
    assert all(r.startswith("data:image/png;base64,") for r in refs), refs
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page, re.I)
    assert "<script" not in page.lower()
    assert external_urls(page) == []
    assert d.site_id in page and d.profile_name in page


def test_html_escapes_data(results, demo_ls) -> None:
    d = build_dossier(results["battery_plant"], "NV-01", demo_ls, lang="sv", n_draws=50,
                      with_map=False)
    evil = dataclasses.replace(d, site_name='<script>alert("x")</script>',
                               municipality="Å & Ö")
    page = render_dossier(evil, "html").decode("utf-8")
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;" in page
    assert "Å &amp; Ö" in page


# ----------------------------------------------------------------------------- outcome log
def _cases_with_secret(result, site_id: str) -> pd.DataFrame:
    frame = cases_to_frame(demo_cases())
    idx = result.site_index(site_id)
    c = result.sites.geometry.loc[idx].representative_point()
    secret = frame[frame["industry"] == result.profile.industry].iloc[[0]].copy()
    secret["case_id"] = "SECRET-1"
    secret["title"] = "HEMLIGT TESTFALL 4711"
    secret["confidentiality"] = "confidential"
    secret["x"], secret["y"] = c.x, c.y  # the nearest case of all
    return pd.concat([frame, secret], ignore_index=True)


def test_confidential_cases_never_appear_unless_included(results, demo_ls) -> None:
    res = results["battery_plant"]
    cases = _cases_with_secret(res, "NV-01")
    n_secret = int(((cases["confidentiality"] == "confidential")
                    & (cases["industry"] == "battery")).sum())
    hidden = build_dossier(res, "NV-01", demo_ls, lang="sv", n_draws=50, with_map=False,
                           cases=cases, learn_options=_FAST_LEARN)
    page = render_dossier(hidden, "html").decode("utf-8")
    assert "HEMLIGT TESTFALL 4711" not in page
    assert all(c.case_id != "SECRET-1" for c in hidden.lessons.cases)
    assert hidden.lessons.n_confidential_excluded == n_secret
    assert hidden.lessons.p_win is not None
    assert 0.0 <= hidden.lessons.p_low <= hidden.lessons.p_win <= hidden.lessons.p_high <= 1.0

    shown = build_dossier(res, "NV-01", demo_ls, lang="sv", n_draws=50, with_map=False,
                          cases=cases, include_confidential=True, learn_options=_FAST_LEARN)
    assert shown.lessons.cases[0].case_id == "SECRET-1"
    assert "HEMLIGT TESTFALL 4711" in render_dossier(shown, "html").decode("utf-8")
    assert shown.lessons.n_cases > hidden.lessons.n_cases  # the model used them too


def test_filter_cases_drops_confidential_and_other_industries() -> None:
    frame = pd.DataFrame({"case_id": ["a", "b", "c", "d"],
                          "industry": ["battery", "battery", "steel", "battery"],
                          "confidentiality": ["public", "confidential", "confidential",
                                              "internal"]})
    kept, n = filter_cases(frame, industry="battery")
    assert kept["case_id"].tolist() == ["a", "d"] and n == 1
    kept, n = filter_cases(frame, industry="battery", include_confidential=True)
    assert kept["case_id"].tolist() == ["a", "b", "d"] and n == 0
    assert filter_cases(None)[0].empty


def test_lessons_without_outcome_log_say_so(results, demo_ls) -> None:
    d = build_dossier(results["steelworks"], "NV-01", demo_ls, lang="en", n_draws=50,
                      with_map=False)
    assert not d.lessons.used and d.lessons.p_win is None
    assert "No outcome log" in d.lessons.note


# ----------------------------------------------------------------------------- helpers
def test_scale_bar_lengths_are_round_and_fit() -> None:
    for width in np.geomspace(300, 900_000, 40):
        length = maps_mod.nice_scale_length(float(width))
        mantissa = length / 10 ** np.floor(np.log10(length))
        assert round(mantissa, 9) in (1.0, 2.0, 5.0)
        assert width * 0.22 / 2.5 <= length <= width * 0.22
    with pytest.raises(ValueError, match="positive"):
        maps_mod.nice_scale_length(0)


def test_value_text_units_and_languages() -> None:
    vt = dossier_mod.value_text
    assert vt(12500.0, "m", "sv") == "12,5\u00a0km"
    assert vt(12500.0, "m", "en") == "12.5\u00a0km"
    assert vt(640.0, "m", "en") == "640\u00a0m"
    assert vt(1234567.0, "", "sv") == "1\u00a0234\u00a0567"
    assert vt("industrial", "", "sv", metric_id="zoning") == "detaljplan för industri"
    assert vt(0.05, "", "en", metric_id="flood_share") == "5.0%"


@pytest.mark.parametrize("module", [dossier_parts_mod, maps_mod])
def test_docstring_examples_run(module) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
