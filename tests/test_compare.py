"""Candidate areas, municipality comparison (demo and real data) and the CLI commands."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from siting.cli import main
from siting.compare import compare_municipalities, compare_region, key_metrics
from siting.core.errors import ScoringError
from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.surface.candidates import candidate_areas
from siting.surface.run import SurfaceResult


def _surface(score: np.ndarray, muni: np.ndarray, res: float = 100.0,
             min_area_ha: float = 3.0) -> SurfaceResult:
    return SurfaceResult(
        score=score.astype("float32"), transform=Affine(res, 0, 700_000, 0, -res, 7_200_000),
        resolution_m=res, municipality=muni.astype("int16"), kommunkoder=("9901", "9902"),
        names=("Norrvik", "Älvby"), excluded_share={}, not_evaluated={}, notes=(),
        min_area_ha=min_area_ha, cells_study={}, cells_passing={})


def test_candidate_areas_use_8_connectivity_and_min_size() -> None:
    s = np.full((5, 5), np.nan)
    s[0, 0] = s[1, 1] = s[2, 2] = 90  # diagonal chain: one group of 3
    s[4, 4] = 90                       # single cell: dropped with min 2
    areas = candidate_areas(_surface(s, np.zeros((5, 5)), min_area_ha=2.0), threshold=50)
    assert list(areas["n_cells"]) == [3]
    for strip_rows in (1, 2):  # the chain crosses strip edges diagonally
        split = candidate_areas(_surface(s, np.zeros((5, 5)), min_area_ha=2.0), threshold=50,
                                strip_rows=strip_rows)
        assert list(split["n_cells"]) == [3]
        assert split.geometry.iloc[0].equals(areas.geometry.iloc[0])


def test_candidate_areas_respect_min_area_threshold_and_borders() -> None:
    score = np.full((20, 20), np.nan)
    muni = np.zeros((20, 20))
    muni[:, 10:] = 1
    score[2:4, 2:4] = 80.0             # 4 cells = 4 ha
    score[10:12, 2:3] = 95.0           # 2 cells = 2 ha: below 3 ha
    score[15:17, 8:12] = 70.0          # 8 cells across the border
    score[0, 15:18] = 40.0             # below the threshold
    surf = _surface(score, muni)
    areas = candidate_areas(surf, threshold=50)
    assert list(areas["area_ha"]) == [4.0, 8.0]
    assert list(areas["rank"]) == [1, 2] and list(areas["area_id"]) == ["A001", "A002"]
    assert areas.crs.to_epsg() == 3006
    np.testing.assert_allclose(areas.geometry.area / 10_000, areas["area_ha"])
    assert areas.loc[0, "score_mean"] == pytest.approx(80.0)
    assert areas.attrs["min_area_ha"] == 3.0
    split = candidate_areas(surf, threshold=50, by_municipality=True)
    assert sorted(split["area_ha"]) == [4.0, 4.0, 4.0]
    assert set(split["kommunkod"]) == {"9901", "9902"}
    default = candidate_areas(surf, min_area_ha=1.0)  # median of the suitable cells
    assert default.attrs["threshold"] == pytest.approx(float(np.nanmedian(score)))


@pytest.fixture(scope="module")
def demo_layerset():
    return load_layerset("demo", region=list(STUDY_AREA))


def test_compare_on_demo_ranks_municipalities_and_names_best_sites(demo_layerset) -> None:
    profile = load_profile("battery_plant")
    table = compare_municipalities(profile, demo_layerset, resolution_m=500)
    assert list(table["kommunkod"].astype(str)) != [] and set(table["kommunkod"]) == \
        set(STUDY_AREA)
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    scored = table[table["best_site"] != ""]
    assert len(scored) >= 2
    assert scored["score"].is_monotonic_decreasing
    assert (scored["best_kind"] == "site").all()
    prefixes = {"9901": "NV-", "9902": "AB-", "9903": "SK-", "9904": "BS-"}
    for _, row in scored.iterrows():
        assert str(row["best_site"]).startswith(prefixes[str(row["kommunkod"])])
    assert ((table["land_pass_share"] >= 0) & (table["land_pass_share"] <= 1)).all()
    for m in key_metrics(profile):
        assert f"metric_{m}" in table.columns
    assert table.attrs["method"] == "sites"
    # the best site really is the best passing site of the scoring engine
    from siting.scoring.sites import evaluate

    res = evaluate(None, profile, demo_layerset).table
    top = res[res["passes_hard"]].sort_values("score", ascending=False)
    assert str(table.iloc[0]["best_site"]) == str(top.iloc[0]["site_id"])


def test_compare_without_sites_uses_candidate_areas(demo_layerset) -> None:
    profile = load_profile("data_center")
    empty = gpd.GeoDataFrame({"site_id": []}, geometry=[], crs="EPSG:3006")
    table = compare_region(profile, demo_layerset, ["9901", "9902"], sites=empty,
                           resolution_m=500)
    assert set(table["kommunkod"]) == {"9901", "9902"}
    assert table.attrs["method"] == "surface"
    best = table[table["best_site"] != ""]
    assert len(best) >= 1 and (best["best_kind"] == "area").all()
    assert (best["best_area_ha"] >= profile.min_area_ha).all()
    assert all(str(b).startswith(str(k)) for b, k in zip(best["best_site"], best["kommunkod"],
                                                          strict=True))


def test_compare_refuses_municipalities_outside_the_study_area(demo_layerset) -> None:
    with pytest.raises(ScoringError, match="9801"):
        compare_region(load_profile("battery_plant"), demo_layerset, ["9801"],
                       resolution_m=1000)


def test_compare_real_data_norrbotten(shared_data: Path) -> None:
    ls = load_layerset("sweden_open", shared_data, region="lan:25")
    table = compare_region(load_profile("battery_plant"), ls, resolution_m=1000)
    assert len(table) == 14 and table["kommunkod"].str.startswith("25").all()
    assert "Luleå" in set(table["name"])
    assert table.attrs["method"] == "surface"
    assert (table["best_site"] != "").sum() >= 5
    assert table["rank"].tolist() == list(range(1, 15))
    assert any("available_capacity_mw" in n for n in table.attrs["notes"])


def test_cli_suitability_and_compare(tmp_path: Path) -> None:
    tif, gpkg, csv = tmp_path / "s.tif", tmp_path / "a.gpkg", tmp_path / "c.csv"
    assert main(["suitability", "--profile", "battery_plant", "--resolution", "500",
                 "--out", str(tif), "--areas", str(gpkg)]) == 0
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 3006 and src.res == (500.0, 500.0)
    areas = gpd.read_file(gpkg)
    assert len(areas) >= 1 and (areas["area_ha"] >= 50).all()
    assert main(["compare", "--profile", "battery_plant", "--resolution", "1000",
                 "--out", str(csv)]) == 0
    table = pd.read_csv(csv, dtype={"kommunkod": str})
    assert {"kommunkod", "name", "score", "rank", "best_site"} <= set(table.columns)
    assert sorted(table["kommunkod"]) == sorted(STUDY_AREA)
    assert main(["compare", "--profile", "battery_plant", "--out", str(tmp_path / "x.txt")]) == 2
