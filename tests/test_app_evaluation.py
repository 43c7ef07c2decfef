"""Tests of siting.evaluation (the scoring glue the app uses) and siting.compare."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siting.catalog import Catalog, LayerSpec
from siting.compare import compare_municipalities, criteria_matrix, municipality_sites
from siting.errors import ScoringError
from siting.evaluation import evaluate, evaluate_layerset
from siting.layerset import LayerSet, LoadedLayer, LoadReport, Region
from siting.profiles import load_profile

PROFILE = """
[profile]
id = "toy"
name_sv = "Leksak"
name_en = "Toy"
industry = "other"
aggregation = "weighted_sum"
min_area_ha = 10

[[metric]]
id = "site_area_ha"
kind = "site_area"
unit = "ha"
label_sv = "Yta"
label_en = "Area"

[[metric]]
id = "dist_substation_m"
kind = "distance"
layer = "substations"
unit = "m"
label_sv = "Avstånd till station"
label_en = "Distance to a substation"

[[metric]]
id = "protected_share"
kind = "overlap_share"
layer = "protected_areas"
unit = ""
label_sv = "Skyddad andel"
label_en = "Protected share"

[[hard]]
id = "area"
metric = "site_area_ha"
op = ">="
threshold = 50
rationale = "test"

[[hard]]
id = "protected"
metric = "protected_share"
op = "<="
threshold = 0
rationale = "test"

[[soft]]
id = "near_grid"
metric = "dist_substation_m"
weight = 3
value = { kind = "linear", x0 = 10000, x1 = 0 }
rationale = "test"

[[soft]]
id = "big"
metric = "site_area_ha"
weight = 1
value = { kind = "linear", x0 = 0, x1 = 200 }
rationale = "test"
"""


def _spec(lid: str, typ: str, theme: str, kind: str) -> LayerSpec:
    return LayerSpec(id=lid, type=typ, theme=theme, kind=kind, title_sv=lid, title_en=lid,
                     source=f"{lid}.gpkg", attribution="test", licence="CC0-1.0",
                     vintage=dt.date(2026, 1, 1))


def _layerset() -> LayerSet:
    crs = "EPSG:3006"
    muni = gpd.GeoDataFrame({"kommunkod": ["9901", "9902"], "name": ["Norrvik", "Älvby"]},
                            geometry=[shapely.box(700_000, 7_150_000, 750_000, 7_200_000),
                                      shapely.box(750_000, 7_150_000, 800_000, 7_200_000)],
                            crs=crs)
    # sides in metres: 1000 m x 1000 m = 100 ha; 500 x 500 = 25 ha
    sites = gpd.GeoDataFrame(
        {"site_id": ["A", "B", "C", "D"], "name": ["a", "b", "c", "d"],
         "kommunkod": ["9901", "9901", "9902", "9902"]},
        geometry=[shapely.box(710_000, 7_160_000, 711_000, 7_161_000),    # 100 ha, near grid
                  shapely.box(740_000, 7_190_000, 741_000, 7_191_000),    # 100 ha, far
                  shapely.box(760_000, 7_160_000, 760_500, 7_160_500),    # 25 ha: fails area
                  shapely.box(770_000, 7_170_000, 771_000, 7_171_000)],   # protected: fails
        index=pd.Index([10, 20, 30, 40]), crs=crs)
    subs = gpd.GeoDataFrame({"voltage_kv": [400.0]}, geometry=[shapely.Point(712_000, 7_160_500)],
                            crs=crs)
    prot = gpd.GeoDataFrame({"name": ["reserve"]},
                            geometry=[shapely.box(769_000, 7_169_000, 772_000, 7_172_000)],
                            crs=crs)
    specs = {"municipalities": (_spec("municipalities", "municipalities", "land", "polygon"), muni),
             "sites": (_spec("sites", "sites", "land", "polygon"), sites),
             "substations": (_spec("substations", "substations", "energy", "point"), subs),
             "protected_areas": (_spec("protected_areas", "protected_areas", "land", "polygon"),
                                 prot)}
    layers = {k: LoadedLayer(s, d, LoadReport(s.source, len(d), len(d))) for k, (s, d) in
              specs.items()}
    cat = Catalog(id="t", path=Path("t.toml"), title_sv="t", title_en="t",
                  layers=tuple(s for s, _ in specs.values()))
    region = Region(("9901", "9902"), ("Norrvik", "Älvby"), muni.union_all())
    return LayerSet(catalog=cat, region=region, layers=layers, municipalities=muni)


@pytest.fixture()
def profile(tmp_path: Path):
    path = tmp_path / "toy.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return load_profile(path)


def test_hard_criteria_pass_fail_with_reasons(profile) -> None:
    ev = evaluate_layerset(_layerset(), profile)
    assert ev.passes.tolist() == [True, True, False, False]
    assert ev.passes.index.tolist() == [10, 20, 30, 40]
    reasons_en = ev.reasons("en")
    assert reasons_en[10] == ()
    assert len(reasons_en[30]) == 1 and "Area" in reasons_en[30][0] and "50" in reasons_en[30][0]
    assert "Protected share" in reasons_en[40][0]
    assert "Yta" in ev.reasons("sv")[30][0]


def test_scores_ranks_and_contributions(profile) -> None:
    ev = evaluate_layerset(_layerset(), profile)
    assert ev.weights == pytest.approx({"near_grid": 0.75, "big": 0.25})
    # A: 1 km from the station -> near_grid 0.9; B: far -> lower
    assert ev.scores[10] > ev.scores[20]
    assert ev.ranks[10] == 1 and ev.ranks[20] == 2
    assert pd.isna(ev.ranks[30]) and pd.isna(ev.ranks[40])
    np.testing.assert_allclose(ev.contributions.sum(axis=1), ev.scores)
    table = ev.table("en")
    assert {"site_id", "score", "rank", "passes", "reasons", "metric_site_area_ha"} <= set(table)


def test_rerank_changes_scores_without_recomputing_metrics(profile) -> None:
    ev = evaluate_layerset(_layerset(), profile)
    calls: list[str] = []

    def boom(*args, **kwargs):
        calls.append("called")
        raise AssertionError("metrics must not be recomputed")

    only_size = ev.rerank({"near_grid": 0.0, "big": 1.0})
    assert calls == []
    assert only_size.weights == {"near_grid": 0.0, "big": 1.0}
    assert only_size.scores[10] == pytest.approx(only_size.scores[20])  # both 100 ha
    assert only_size.profile.weights["big"] == pytest.approx(1.0)
    with pytest.raises(ScoringError, match="zero"):
        ev.rerank({"near_grid": 0, "big": 0})
    again = evaluate(ev.sites, profile, None, metrics=ev.metrics, metric_fn=boom)
    assert again.scores.equals(ev.scores)


def test_missing_layer_is_not_evaluated(profile) -> None:
    lset = _layerset()
    layers = {k: v for k, v in lset.layers.items() if k != "protected_areas"}
    lset = LayerSet(catalog=lset.catalog, region=lset.region, layers=layers,
                    municipalities=lset.municipalities)
    ev = evaluate_layerset(lset, profile)
    assert ev.not_evaluated == ("protected_share",)
    assert "protected" not in ev.hard.columns
    assert ev.passes.tolist() == [True, True, False, True]


def test_nan_metric_fails_hard_with_no_data_reason(profile) -> None:
    ev = evaluate_layerset(_layerset(), profile)
    metrics = ev.metrics.copy()
    metrics.loc[10, "site_area_ha"] = np.nan
    ev2 = evaluate(ev.sites, profile, None, metrics=metrics)
    assert not ev2.passes[10]
    assert "no data" in ev2.reasons("en")[10][0]
    assert ev2.no_data.loc[10, "big"] and ev2.values.loc[10, "big"] == 0.0


def test_no_sites_is_a_clear_error(profile) -> None:
    lset = _layerset()
    with pytest.raises(ScoringError, match="no candidate sites"):
        evaluate(lset.vector("sites").iloc[0:0], profile, lset)


def test_compare_municipalities_and_matrix(profile) -> None:
    lset = _layerset()
    ev = evaluate_layerset(lset, profile)
    sites = ev.sites
    table = compare_municipalities(ev.scores, ev.passes, sites["kommunkod"], sites["site_id"],
                                   {"9901": "Norrvik", "9902": "Älvby"})
    assert table["kommunkod"].tolist() == ["9901", "9902"]
    assert table.loc[0, "best_site"] == "A" and table.loc[0, "n_pass"] == 2
    assert table.loc[1, "n_pass"] == 0 and np.isnan(table.loc[1, "best_score"])
    matrix = criteria_matrix(ev.values, ev.passes, sites["kommunkod"])
    assert matrix.shape == (2, 2)
    assert matrix.loc["9901", "big"] == pytest.approx(0.5)
    pts = municipality_sites(lset.municipalities)
    assert pts["site_id"].tolist() == ["9901", "9902"]
    assert all(lset.municipalities.geometry.iloc[i].contains(pts.geometry.iloc[i])
               for i in range(2))
    ev_pts = evaluate(pts, profile, lset)
    assert len(ev_pts.scores) == 2
