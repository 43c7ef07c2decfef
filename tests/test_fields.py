"""Canonical fields: mapping, defaults, coercion and validation that reports everything."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from siting.core.errors import DataError
from siting.data.fields import canonicalize, format_locations, normalize_kommunkod


@pytest.mark.parametrize(("raw", "code"), [(114, "0114"), (114.0, "0114"), ("114", "0114"),
                                           ("114.0", "0114"), ("0114", "0114"), (2580, "2580"),
                                           (" 0180 ", "0180")])
def test_kommunkod_normalised(raw: object, code: str) -> None:
    assert normalize_kommunkod(raw) == code


@pytest.mark.parametrize("raw", ["abc", 12345, 11.5, "01-14", True])
def test_kommunkod_rejects(raw: object) -> None:
    assert normalize_kommunkod(raw) is None


def test_rename_keep_unmapped_defaults_and_dtypes() -> None:
    df = pd.DataFrame({"spanning": ["400", "220,5"], "namn": ["A", "B"], "extra": [1, 2]})
    out, notes = canonicalize(df, "substations", fields={"voltage_kv": "spanning",
                                                         "name": "namn"},
                              defaults={"available_capacity_mw": 0.0}, source="s.csv")
    assert out["voltage_kv"].tolist() == [400.0, 220.5]
    assert out["name"].tolist() == ["A", "B"]
    assert out["extra"].tolist() == [1, 2]
    assert "spanning" not in out.columns and "namn" not in out.columns
    assert out["available_capacity_mw"].tolist() == [0.0, 0.0]
    assert out["voltage_kv"].dtype == np.float64
    assert notes == ()


def test_clashing_column_is_kept_with_suffix() -> None:
    df = pd.DataFrame({"name": ["raw"], "kommun": ["Luleå"], "kommunkod": [2580]})
    out, _ = canonicalize(df, "municipality_stats", fields={"name": "kommun"}, source="k.csv")
    assert out["name"].tolist() == ["Luleå"]
    assert out["name_source"].tolist() == ["raw"]
    assert out["kommunkod"].tolist() == ["2580"]


def test_lanskod_padded_and_int_and_bool_and_date() -> None:
    df = pd.DataFrame({"kommunkod": ["0114"], "name": ["x"], "lanskod": [1],
                       "population": ["43 891"]}, index=[5])
    out, _ = canonicalize(df, "municipalities", source="m")
    assert out["lanskod"].tolist() == ["01"]
    assert out["population"].tolist() == [43891]
    assert str(out["population"].dtype) == "Int64"
    sites = pd.DataFrame({"site_id": ["A", "B"], "available_from": ["2026-05-01", "20270101"]})
    out2, _ = canonicalize(sites, "sites", source="s")
    assert out2["available_from"].dt.year.tolist() == [2026, 2027]
    schools = pd.DataFrame({"school_type": ["vocational"] * 3,
                            "industrial_programme": ["ja", "false", None]})
    out3, _ = canonicalize(schools, "schools", source="sk")
    assert out3["industrial_programme"].tolist()[:2] == [True, False]
    assert out3["industrial_programme"].isna().iloc[2]


def test_all_problems_reported_at_once() -> None:
    df = pd.DataFrame({
        "id": ["NV-01", "NV-02", "NV-01", "NV-04", "NV-02"],
        "ha": ["12,5", "abc", "3", "x", "4"],
        "kk": ["0114", "99999", "0114", "0114", "0114"],
    })
    with pytest.raises(DataError) as info:
        canonicalize(df, "sites", fields={"site_id": "id", "area_ha": "ha", "kommunkod": "kk",
                                          "name": "site_name"},
                     source="sites.csv", layer_id="sites")
    err = info.value
    by_field = {p.field: p for p in err.problems}
    assert set(by_field) == {"fields.name", "area_ha", "kommunkod", "site_id"}
    assert by_field["area_ha"].location == "rows 3, 5"
    assert "'abc'" in by_field["area_ha"].message and "not numbers" in by_field["area_ha"].message
    assert by_field["kommunkod"].location == "row 3"
    assert "'NV-01'" in by_field["site_id"].message and "'NV-02'" in by_field["site_id"].message
    assert by_field["site_id"].location == "rows 2, 3, 4, 6"
    assert "site_name" in by_field["fields.name"].message
    assert "id, ha, kk" in by_field["fields.name"].hint
    assert "sites.csv" in str(err) and "4 problems" in str(err)


def test_required_field_not_mapped_and_missing_values_in_features() -> None:
    gdf = gpd.GeoDataFrame({"spann": [400.0, None, None]},
                           geometry=[Point(7e5, 7.2e6)] * 3, crs="EPSG:3006", index=[1, 2, 3])
    with pytest.raises(DataError) as info:
        canonicalize(gdf, "substations", source="st.gpkg", location_word="feature")
    p = info.value.problems[0]
    assert p.field == "voltage_kv" and "is not mapped" in p.message
    assert 'fields.voltage_kv = "<column>"' in p.hint and "spann" in p.hint
    with pytest.raises(DataError) as info2:
        canonicalize(gdf, "substations", fields={"voltage_kv": "spann"}, source="st.gpkg",
                     location_word="feature")
    p2 = info2.value.problems[0]
    assert p2.location == "features 2, 3" and "2 missing value(s)" in p2.message
    out, notes = canonicalize(gdf, "substations", fields={"voltage_kv": "spann"},
                              source="st.gpkg", location_word="feature",
                              allow_missing=["voltage_kv"])
    assert isinstance(out, gpd.GeoDataFrame) and out.crs.to_epsg() == 3006
    assert notes == ("2 feature(s) have no 'voltage_kv' (allowed for this layer)",)


def test_missing_column_suggests_closest() -> None:
    df = pd.DataFrame({"Voltage": [1.0]})
    with pytest.raises(DataError) as info:
        canonicalize(df, "substations", fields={"voltage_kv": "voltage"}, source="v.csv")
    p = info.value.problems[0]
    assert p.field == "fields.voltage_kv"
    assert "column 'voltage'" in p.message and "did you mean 'Voltage'" in p.hint


def test_long_lists_are_capped() -> None:
    df = pd.DataFrame({"voltage_kv": ["x"] * 25})
    with pytest.raises(DataError) as info:
        canonicalize(df, "substations", source="many.csv")
    loc = info.value.problems[0].location
    assert loc.startswith("rows 2, 3,") and loc.endswith("(and 15 more)")
    assert format_locations([], "row") == ""
