"""Own sites and layers in the evaluation: local evidence first, never a silent 0."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from shapely.geometry import Point

from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.data.workspace import WorkspaceLayer, WorkspaceSite
from siting.scoring import evaluate
from siting.scoring.workspace import evaluate_workspace


@pytest.fixture(scope="module")
def demo():
    return load_layerset("demo", region="9901,9902,9903,9904")


def _station_layer(x: float, y: float, mw: float, **kw: object) -> WorkspaceLayer:
    feats = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"voltage_kv": 130.0, "available_capacity_mw": mw},
         "geometry": {"type": "Point", "coordinates": [x, y]}}]}
    return WorkspaceLayer("L1", "Nätägarens stationer", "substations", "energy", "point", feats,
                          source="st.gpkg", vintage="2026-11-01", **kw)  # type: ignore[arg-type]


def test_own_sites_rank_beside_catalogue_sites_and_confirmed_capacity_decides(demo) -> None:
    prof = load_profile("battery_plant")
    first = demo.vector("sites").iloc[0]
    own = [WorkspaceSite("S1", "Hamnen", first.geometry.centroid.buffer(500).wkt,
                         zoning="industrial", grid_capacity_mw=150.0,
                         grid_capacity_source="Nätbolaget", grid_capacity_date="2026-11-20"),
           WorkspaceSite("S2", "Åkern", first.geometry.centroid.buffer(400).wkt)]
    base = evaluate(None, prof, demo)
    res = evaluate_workspace(prof, demo, own, [])
    table = res.table.set_index("site_id")
    assert len(res.table) == len(base.table) + 2
    assert set(table.loc[["S1", "S2"], "origin"]) == {"workspace"}
    assert table.loc["S1", "metric_grid_capacity_10km_mw"] == 150.0
    assert "150 MW bekräftat av Nätbolaget (2026-11-20)" in table.loc["S1", "decided_by_sv"]
    assert "Tillgänglig nätkapacitet" in table.loc["S1", "failures_sv"]
    # the other own site, at the same place, keeps the national measurement
    national = base.table.set_index("site_id").iloc[0]["metric_grid_capacity_10km_mw"]
    assert table.loc["S2", "metric_grid_capacity_10km_mw"] == national
    assert table.loc["S2", "decided_by_sv"] == ""
    assert table.loc["S1", "metric_zoning"] == "industrial"
    # catalogue sites are untouched
    cat = table.loc[base.table["site_id"]]
    assert np.allclose(cat["score"].to_numpy(float), base.table["score"].to_numpy(float))


def test_a_local_layer_adds_where_its_features_reach_and_never_zeroes_a_gap(demo) -> None:
    prof = load_profile("battery_plant")
    subs = demo.get("substations")
    assert subs is not None
    # national data without capacities: the grid criterion is unknown everywhere
    gap = dataclasses.replace(demo, layers={**dict(demo.layers), subs.spec.id: dataclasses.replace(
        subs, data=subs.data.drop(columns=["available_capacity_mw"]))})
    sites = gap.vector("sites")
    near = sites.iloc[0].geometry.centroid
    layer = _station_layer(near.x + 2_000, near.y, 80.0)
    res = evaluate_workspace(prof, gap, [], [layer])
    grid = res.table["metric_grid_capacity_10km_mw"].to_numpy(float)
    reach = sites.geometry.distance(Point(near.x + 2_000, near.y)).to_numpy() <= 10_000
    assert reach.any() and (~reach).any()
    assert np.all(grid[reach] == 80.0)
    assert np.all(np.isnan(grid[~reach]))  # still unknown, not 0
    decided = res.table["decided_by_sv"].to_numpy(object)
    assert all("Nätägarens stationer (st.gpkg, 2026-11-01)" in d for d in decided[reach])
    assert all(d == "" for d in decided[~reach])


def test_coverage_limits_where_a_local_layer_decides(demo) -> None:
    prof = load_profile("battery_plant")
    near = demo.vector("sites").iloc[0].geometry.centroid
    other = "9904" if demo.vector("sites").iloc[0]["kommunkod"] != "9904" else "9903"
    res = evaluate_workspace(prof, demo, [], [_station_layer(near.x, near.y, 500.0,
                                                             coverage=(other,))])
    inside = (res.table["kommunkod"] == other).to_numpy()
    decided = res.table["decided_by_sv"].to_numpy(object)
    assert all(d == "" for d in decided[~inside])


def test_real_data_confirmed_capacity_turns_unknown_into_a_decided_verdict() -> None:
    ls = load_layerset("sweden_open", region="2482")
    prof = load_profile("battery_plant")
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(20.95, 64.75)
    site = Point(x, y).buffer(450).wkt
    plain = evaluate_workspace(prof, ls, [WorkspaceSite("S1", "Hedensbyn", site)], [])
    confirmed = evaluate_workspace(prof, ls, [WorkspaceSite(
        "S1", "Hedensbyn", site, grid_capacity_mw=150.0, grid_capacity_source="Skellefteå Kraft",
        grid_capacity_date="2026-11-20")], [])
    before = plain.table.set_index("site_id").loc["S1"]
    after = confirmed.table.set_index("site_id").loc["S1"]
    assert "grid_capacity" in before["unknown_criteria"]
    assert "grid_capacity" not in after["unknown_criteria"]
    assert after["status"] == "fail"
    assert "150 MW, krav minst 200 MW" in after["failures_sv"]
    assert "Skellefteå Kraft" in after["decided_by_sv"]
    assert confirmed.hard_status.loc[confirmed.table.index[confirmed.table["site_id"] == "S1"][0],
                                     "grid_capacity"] == 0
