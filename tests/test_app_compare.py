"""Tests of siting.compare (municipality comparison) on results of siting.scoring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from siting.compare import compare_municipalities, criteria_matrix, municipality_sites
from siting.criteria.profiles import load_profile
from siting.data.catalog import Catalog, LayerSpec
from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, Region
from siting.scoring.sites import evaluate

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


def test_compare_municipalities_and_matrix(profile) -> None:
    lset = _layerset()
    ev = evaluate(None, profile, lset)
    kommun = ev.table["kommunkod"].astype(str)
    table = compare_municipalities(ev.scores, ev.passes, kommun, ev.site_ids,
                                   {"9901": "Norrvik", "9902": "Älvby"})
    assert table["kommunkod"].tolist() == ["9901", "9902"]
    assert ev.passes.tolist() == [True, True, False, False]
    assert table.loc[0, "best_site"] == "A" and table.loc[0, "n_pass"] == 2
    assert table.loc[0, "best_score"] == pytest.approx(ev.scores[10])
    assert table.loc[1, "n_pass"] == 0 and np.isnan(table.loc[1, "best_score"])
    matrix = criteria_matrix(ev.values, ev.passes, kommun)
    assert matrix.shape == (2, 2)
    assert matrix.loc["9901", "big"] == pytest.approx(0.5)
    pts = municipality_sites(lset.municipalities)
    assert pts["site_id"].tolist() == ["9901", "9902"]
    assert all(lset.municipalities.geometry.iloc[i].contains(pts.geometry.iloc[i])
               for i in range(2))
    ev_pts = evaluate(pts, profile, lset)
    assert ev_pts.site_ids.tolist() == ["9901", "9902"]
    # points have no area: the area requirement is flagged as not checked, never passed
    assert ev_pts.hard_incomplete.all()
    table_pts = compare_municipalities(ev_pts.scores, ev_pts.passes,
                                       ev_pts.table["kommunkod"].astype(str), ev_pts.site_ids)
    assert sorted(table_pts["best_site"]) == ["9901", "9902"]
