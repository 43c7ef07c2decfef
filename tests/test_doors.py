"""Every door gives the same verdict: sites, the comparison, the comparison report, the CLI.

For every profile and both catalogues (the demo data and the real open-data pack), the
verdict of a municipality's best site or area in the comparison equals the verdict the
site evaluation gives that same site or area, and the comparison report shows it
unchanged.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from siting.cli import main
from siting.compare import ComparisonResult, compare
from siting.criteria.profiles import available_profiles, load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.scoring.sites import evaluate
from siting.views.report.compare_report import build_comparison

PROFILES = available_profiles()


@pytest.fixture(scope="module")
def demo_ls():
    return load_layerset("demo", region=list(STUDY_AREA))


@pytest.fixture(scope="module")
def norrbotten(shared_data: Path):
    return load_layerset("sweden_open", shared_data, region="lan:25")


def _assert_doors_agree(comp: ComparisonResult, profile_id: str, layerset) -> None:
    profile = load_profile(profile_id)
    assert comp.sites is not None
    # the site door, run again on exactly the rows the comparison evaluated
    again = evaluate(comp.sites.sites, profile, layerset)
    site_status = dict(zip(again.table["site_id"].astype(str), again.table["status"],
                           strict=True))
    rows = comp.table[comp.table["best_site"] != ""]
    assert len(rows)
    for _, row in rows.iterrows():
        assert row["status"] == site_status[str(row["best_site"])], row["kommunkod"]
    # the comparison report lays out the same verdicts, in the same order
    for lang in ("sv", "en"):
        report = build_comparison(comp, layerset, lang=lang, with_map=False)
        assert [s.kommunkod for s in report.sections] == list(comp.table["kommunkod"])
        assert [s.status for s in report.sections] == list(comp.table["status"])
        called = dict(zip(comp.sites.table["site_id"].astype(str), comp.sites.site_labels(),
                          strict=True))
        assert [r[4] for r in report.table] == [called.get(b, b or "–")
                                                for b in comp.table["best_site"]]
    # failing municipalities rank below all others; lack of data never puts one last
    status = comp.table["status"].tolist()
    if "fail" in status:
        first = status.index("fail")
        assert set(status[first:]) == {"fail"}


@pytest.mark.parametrize("profile_id", PROFILES)
def test_demo_sites_doors_agree(demo_ls, profile_id: str) -> None:
    comp = compare(load_profile(profile_id), demo_ls, resolution_m=500)
    assert comp.method == "sites"
    _assert_doors_agree(comp, profile_id, demo_ls)
    # the sites door on the dataset's own sites gives the same verdicts as the comparison
    own = evaluate(None, load_profile(profile_id), demo_ls).table.set_index("site_id")
    for _, row in comp.table[comp.table["best_site"] != ""].iterrows():
        assert own.at[row["best_site"], "status"] == row["status"]


@pytest.mark.parametrize("profile_id", PROFILES)
def test_demo_areas_doors_agree(demo_ls, profile_id: str) -> None:
    empty = gpd.GeoDataFrame({"site_id": []}, geometry=[], crs="EPSG:3006")
    comp = compare(load_profile(profile_id), demo_ls, sites=empty, resolution_m=500)
    assert comp.method == "surface"
    _assert_doors_agree(comp, profile_id, demo_ls)


@pytest.mark.parametrize("profile_id", PROFILES)
def test_real_data_norrbotten_doors_agree(norrbotten, profile_id: str) -> None:
    comp = compare(load_profile(profile_id), norrbotten, resolution_m=1000)
    assert len(comp.table) == 14
    _assert_doors_agree(comp, profile_id, norrbotten)


def test_steelworks_lan25_no_longer_contradicts_itself(norrbotten) -> None:
    comp = compare(load_profile("steelworks"), norrbotten, resolution_m=1000)
    boden = comp.row("2582")
    report = build_comparison(comp, norrbotten, lang="en", with_map=False)
    section = next(s for s in report.sections if s.kommunkod == "2582")
    assert section.status == boden["status"]
    # what the real data cannot decide is reported as unknown, with what would decide it
    if boden["status"] == "unknown":
        assert section.to_confirm and all("would be decided by" in x
                                          for x in section.to_confirm)


def test_lulea_data_centre_130kv_is_unknown_not_failed(shared_data: Path) -> None:
    ls = load_layerset("sweden_open", shared_data, region="2580")
    profile = load_profile("data_center")
    comp = compare(profile, ls, resolution_m=500)
    row = comp.row("2580")
    assert row["status"] == "unknown" and row["best_kind"] == "area"
    assert "substation_near" in str(row["unknown_criteria"])
    res = comp.sites
    assert res is not None
    best = res.table[res.table["site_id"] == row["best_site"]].iloc[0]
    idx = res.table.index[res.table["site_id"] == row["best_site"]][0]
    assert res.hard_status.at[idx, "substation_near"] == -1
    assert "220" in best["not_checked_en"] and "grid owner" in best["not_checked_en"]
    assert "nätägaren" in best["not_checked_sv"]
    # candidate areas exist and are marked as resting on unknowns
    from siting.surface.candidates import candidate_areas
    from siting.surface.run import suitability_surface

    surf = suitability_surface(profile, ls, resolution_m=500)
    areas = candidate_areas(surf)
    assert len(areas) and (areas["status"] == "unknown").all()
    assert surf.cells_unknown["2580"] > 0
    # strict: unknown counts as fail, so Luleå gets no possible site
    strict = compare(profile, ls, resolution_m=500, strict=True)
    assert strict.row("2580")["status"] == "fail"


def test_cli_compare_and_report_compare_agree(tmp_path: Path) -> None:
    csv, html = tmp_path / "c.csv", tmp_path / "c.html"
    args = ["--profile", "steelworks", "--region", ",".join(STUDY_AREA)]
    assert main(["compare", *args, "--resolution", "1000", "--out", str(csv)]) == 0
    assert main(["report", "compare", *args, "--lang", "en", "--out", str(html)]) == 0
    table = pd.read_csv(csv, dtype={"kommunkod": str})
    page = html.read_text(encoding="utf-8")
    words = {"pass": "passes", "fail": "fails", "unknown": "unknown"}
    sites = load_layerset("demo", region=list(STUDY_AREA)).vector("sites")
    names = dict(zip(sites["site_id"].astype(str), sites["name"].astype(str), strict=True))
    for _, row in table[table["best_site"].notna()].iterrows():  # the best site by its name
        cell = escape(names[str(row["best_site"])], quote=False)
        assert f"<td>{cell}</td><td>{words[row['status']]}</td>" in page


def test_cli_compare_with_a_sites_file_uses_the_sites_door(tmp_path: Path, demo_ls) -> None:
    src, csv = tmp_path / "sites.gpkg", tmp_path / "c.csv"
    demo_ls.vector("sites").to_file(src, driver="GPKG")
    assert main(["compare", "--profile", "battery_plant", "--region", ",".join(STUDY_AREA),
                 "--sites", str(src), "--resolution", "1000", "--strict",
                 "--out", str(csv)]) == 0
    table = pd.read_csv(csv, dtype={"kommunkod": str})
    strict = evaluate(None, load_profile("battery_plant"), demo_ls, strict=True)
    by_id = strict.table.set_index("site_id")["status"]
    for _, row in table[table["best_site"].notna()].iterrows():
        assert row["status"] == by_id[row["best_site"]]
