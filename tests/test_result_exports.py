"""SitingResult exports round-trip (CSV, GeoJSON, GeoPackage) and the Evaluation-compatible views."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from siting.core.errors import ScoringError
from siting.core.provenance import Provenance
from siting.criteria.profiles import parse_profile
from siting.scoring.sites import evaluate

TOML = """
[profile]
id = "export_test"
name_sv = "Exporttest"
name_en = "Export test"
industry = "other"
aggregation = "weighted_sum"
min_area_ha = 1

[[metric]]
id = "site_area_ha"
kind = "site_area"
unit = "ha"
label_sv = "Områdets yta"
label_en = "Site area"

[[metric]]
id = "dist_port_m"
kind = "distance"
layer = "ports"
unit = "m"
label_sv = "Avstånd till hamn"
label_en = "Distance to port"

[[hard]]
id = "area"
metric = "site_area_ha"
op = ">="
threshold = 10
rationale = "test"

[[hard]]
id = "port"
metric = "dist_port_m"
op = "<="
threshold = 15000
rationale = "test"

[[soft]]
id = "big"
metric = "site_area_ha"
weight = 1
value = { kind = "linear", x0 = 0, x1 = 100 }
rationale = "test"

[[soft]]
id = "near_port"
metric = "dist_port_m"
weight = 1
value = { kind = "linear", x0 = 30000, x1 = 0 }
rationale = "test"
"""


@pytest.fixture(scope="module")
def result():
    prof = parse_profile(TOML, source="test")
    areas = [4.0, 25.0, 60.0, 12.5, 90.0]
    geoms = [shapely.Point(720_000 + 3000 * i, 7_200_000).buffer(400) for i in range(5)]
    sites = gpd.GeoDataFrame(
        {"site_id": ["A-1", "B-2", "C-3", "D-4", "Å-5"], "name": ["Åsen", "Bäck", "", "Dal",
                                                                  "Öby"],
         "kommunkod": ["0180", "0180", "2580", "2580", "0180"]},
        geometry=geoms, crs="EPSG:3006", index=[10, 11, 12, 13, 14])
    metrics = pd.DataFrame({"site_area_ha": areas,
                            "dist_port_m": [1000.0, 20000.0, np.nan, 3000.0, 14000.0]},
                           index=sites.index)
    return evaluate(sites, prof, None, metrics_cache=metrics)


def test_csv_round_trip(result, tmp_path) -> None:
    path = result.to_csv(tmp_path / "r.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"kommunkod": str, "site_id": str},
                       keep_default_na=False)
    for col in ("site_id", "kommunkod", "passes_hard", "failures", "score", "rank"):
        assert col in back.columns
    assert back["site_id"].tolist() == result.table["site_id"].tolist()
    assert back["kommunkod"].tolist() == ["0180", "0180", "2580", "2580", "0180"]
    np.testing.assert_allclose(back["score"], result.table["score"])
    assert back["rank"].tolist() == result.table["rank"].tolist()
    assert back["failures"].iloc[0] == "Områdets yta: 4 ha, krav minst 10 ha"
    en = pd.read_csv(result.to_csv(tmp_path / "en.csv", lang="en"), encoding="utf-8-sig",
                     keep_default_na=False)
    assert en["failures"].iloc[0] == "Site area: 4 ha, required at least 10 ha"
    assert en["failures"].iloc[1] == "Distance to port: 20,000 m, required at most 15,000 m"
    sv = pd.read_csv(result.to_csv(tmp_path / "sv.csv", swedish_excel=True), sep=";",
                     decimal=",", encoding="utf-8-sig", keep_default_na=False)
    np.testing.assert_allclose(sv["score"], result.table["score"])
    assert sv["site_id"].iloc[4] == "Å-5"


def test_geojson_is_rfc7946_with_provenance(result, tmp_path) -> None:
    path = result.to_geojson(tmp_path / "r.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc  # RFC 7946: WGS 84 lon/lat, no crs member
    assert doc["provenance"]["profile_hash"] == result.profile.content_hash
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 10 < lon < 25 and 55 < lat < 70
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert back["site_id"].tolist() == result.table["site_id"].tolist()
    np.testing.assert_allclose(back["score"], result.table["score"])
    assert back["rank"].tolist() == result.table["rank"].tolist()
    assert back["passes_hard"].tolist() == result.table["passes_hard"].tolist()


def test_gpkg_has_sites_outcomes_and_provenance(result, tmp_path) -> None:
    path = result.to_gpkg(tmp_path / "r.gpkg", lang="en")
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert names == ["sites", "hard_outcomes", "provenance"]
    sites = gpd.read_file(path, layer="sites")
    assert sites.crs.to_epsg() == 3006
    assert sites["site_id"].tolist() == result.table["site_id"].tolist()
    np.testing.assert_allclose(sites["score"], result.table["score"])
    assert sites["rank"].tolist() == result.table["rank"].tolist()
    assert shapely.equals_exact(sites.geometry.to_numpy(), result.geometry.to_numpy(),
                                tolerance=1e-6).all()
    outs = pyogrio.read_dataframe(path, layer="hard_outcomes")
    assert len(outs) == 5 * 2
    row = outs[(outs["site_id"] == "C-3") & (outs["criterion_id"] == "port")].iloc[0]
    assert row["status"] == "unknown" and "no data" in row["text_en"]
    prov = pyogrio.read_dataframe(path, layer="provenance")
    kv = dict(zip(prov["key"], prov["value"], strict=True))
    assert kv["profile_hash"] == result.profile.content_hash
    back = Provenance.from_rows(zip(prov["key"], prov["value"], strict=True))
    assert back == result.provenance


def test_export_to_missing_folder_is_a_clear_error(result, tmp_path) -> None:
    with pytest.raises(ScoringError, match="output folder does not exist"):
        result.to_csv(tmp_path / "nope" / "r.csv")


def test_evaluation_compatible_views(result) -> None:
    tbl = result.table
    assert list(result.passes) == [False, False, True, True, True]
    assert result.hard_incomplete.tolist() == [False, False, True, False, False]
    assert result.reasons("en").iloc[1] == ("Distance to port: 20,000 m, required at most "
                                            "15,000 m",)
    assert result.reasons("sv").iloc[2] == ()
    assert result.rank_passing.isna().tolist() == [True, True, False, False, False]
    frame = result.to_frame("sv")
    assert {"passes", "reasons", "failures", "not_checked", "score", "rank",
            "metric_dist_port_m"} <= set(frame.columns)
    assert frame.index.equals(tbl.index)
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.scores)
    assert list(result.values.columns) == ["big", "near_port"]
    assert result.metrics.columns.tolist() == ["site_area_ha", "dist_port_m"]
    assert result.hard["port"].isna().tolist() == [False, False, True, False, False]
    outs = result.outcomes.loc[12]
    assert [o.status for o in outs] == ["pass", "unknown"]
    assert outs[0].text_sv == "Områdets yta: 60 ha, krav minst 10 ha"
    gdf = result.to_geodataframe("en", crs=4326)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 5


def test_result_pickles_and_reranks_after_unpickling(result) -> None:
    import pickle

    back = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(back.table, result.table)
    assert back.provenance == result.provenance
    rr = back.rerank({"big": 0.0, "near_port": 1.0})
    assert rr.weights == {"big": 0.0, "near_port": 1.0}
    np.testing.assert_allclose(rr.score_share * 100, rr.scores)


def test_result_serves_the_app_interface(result) -> None:
    """The calls app_pages make on the interim ``Evaluation`` work on a SitingResult."""
    from siting.compare import compare_municipalities, criteria_matrix
    from siting.scoring.sensitivity import weight_sweep

    kommun = result.sites["kommunkod"].astype(str)
    table = compare_municipalities(result.scores, result.passes, kommun,
                                   result.sites["site_id"].astype(str))
    assert set(table["kommunkod"]) == {"0180", "2580"}
    assert table.set_index("kommunkod").loc["0180", "n_pass"] == 1  # only Å-5 passes there
    matrix = criteria_matrix(result.values, result.passes, kommun)
    assert list(matrix.columns) == ["big", "near_port"]
    cols = list(result.values.columns)
    weights = np.array([result.weights[c] for c in cols])
    sweep = weight_sweep(result.values.to_numpy(dtype=float), weights,
                         passes=result.passes.to_numpy())
    top = int(np.flatnonzero(result.ranks.to_numpy() == 1)[0])
    assert sweep.top == top
    frame = result.to_frame("sv")
    order = frame.sort_values(["passes", "score"], ascending=[False, False])
    assert order["rank"].tolist() == sorted(order["rank"])


def test_sites_crs_is_checked_and_reprojected(result) -> None:
    from siting.core.errors import CrsError

    prof = result.profile
    sites = result.sites[["site_id", "name", "kommunkod", "geometry"]]
    metrics = result.metrics
    in_wgs84 = evaluate(sites.to_crs(4326), prof, None, metrics_cache=metrics)
    assert in_wgs84.geometry.crs.to_epsg() == 3006
    np.testing.assert_allclose(in_wgs84.scores, result.scores)
    with pytest.raises(CrsError, match="no coordinate reference system"):
        evaluate(sites.set_crs(None, allow_override=True), prof, None, metrics_cache=metrics)
    dup = sites.assign(site_id=["A-1", "A-1", "C-3", "D-4", "Å-5"])
    with pytest.raises(ScoringError, match="duplicated site ids: A-1"):
        evaluate(dup, prof, None, metrics_cache=metrics)
