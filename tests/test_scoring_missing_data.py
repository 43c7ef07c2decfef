"""Criteria on data that is absent or out of reach are explained, never guessed.

- A loaded layer that lacks the canonical field a metric reads (real substations
  carry no available capacity) makes the criterion *not evaluated*, naming the field
  in user words.
- A loaded layer with nothing matching within the study area and its buffer zone
  (no 400 kV station anywhere near) makes a "within X km" criterion *fail*, with a
  reason that says so: that is a measured fact, not missing data.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pytest

from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.scoring.sites import evaluate


@pytest.fixture(scope="module")
def demo_layers():
    return load_layerset("demo", region="9901,9902,9903,9904")


def _without_400kv(layerset):
    """The demo LayerSet with every substation of 380 kV and more removed."""
    layers = dict(layerset.layers)
    subs = layers["substations"]
    kept = subs.data[subs.data["voltage_kv"] < 380]
    layers["substations"] = dataclasses.replace(subs, data=kept)
    return dataclasses.replace(layerset, layers=layers)


def test_nothing_within_reach_fails_with_an_explicit_reason(demo_layers):
    profile = load_profile("steelworks")
    crit = next(c for c in profile.hard
                if profile.metric(c.metric).params.get("filter", {}).get("voltage_kv"))
    result = evaluate(None, profile, _without_400kv(demo_layers))
    metric = result.table[f"metric_{crit.metric}"] if f"metric_{crit.metric}" in \
        result.table.columns else result.metrics[crit.metric]
    assert np.isinf(metric.to_numpy(dtype=float)).all()
    assert not result.table["passes_hard"].astype(bool).any()
    assert crit.id not in {ne.criterion_id for ne in result.not_evaluated_details}
    assert result.table["failures_sv"].str.contains(
        "inget inom studieområdet och buffertzonen").all()
    assert result.table["failures_en"].str.contains(
        "none within the study area and its buffer zone").all()


def test_field_missing_in_real_data_is_not_evaluated_and_named(shared_data):
    ls = load_layerset("sweden_open", shared_data, region="2482")
    muni = ls.municipalities
    point = muni.loc[muni["kommunkod"] == "2482"].geometry.representative_point().iloc[0]
    sites = gpd.GeoDataFrame({"site_id": ["S1"], "name": ["Testplats"]},
                             geometry=[point.buffer(600)], crs="EPSG:3006")
    result = evaluate(sites, load_profile("battery_plant"), ls)
    by_metric = {ne.metric: ne for ne in result.not_evaluated_details}
    capacity = [m for m in by_metric if "capacity" in m]
    assert capacity, "the capacity criterion must be reported as not evaluated"
    ne = by_metric[capacity[0]]
    # named in the user's words: the field and the layer, and what would decide it
    assert "available capacity (MW)" in ne.text_en and "would be decided by" in ne.text_en
    assert "ledig kapacitet (MW)" in ne.text_sv and "avgörs av" in ne.text_sv
    assert "available_capacity_mw" not in ne.text_sv + ne.text_en
    assert "katalog" not in ne.text_sv
    assert bool(result.table["hard_incomplete"].iloc[0])
    assert 0.0 <= float(result.table["score"].iloc[0]) <= 100.0
