"""The scoring engine on the demo region: sensible, explained results for the three profiles."""

from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

from siting.core.errors import ScoringError
from siting.core.i18n import format_number
from siting.core.i18n import t as t_
from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.scoring.sites import evaluate

PROFILES = ("battery_plant", "steelworks", "data_center")


@pytest.fixture(scope="module")
def demo_ls():
    return load_layerset("demo", region=list(STUDY_AREA))


@pytest.fixture(scope="module")
def results(demo_ls):
    return {p: evaluate(None, load_profile(p), demo_ls) for p in PROFILES}


def _without(ls, layer_type: str):
    kept = {k: v for k, v in ls.layers.items() if v.spec.type != layer_type}
    return dataclasses.replace(ls, layers=MappingProxyType(kept))


@pytest.mark.parametrize("profile_id", PROFILES)
def test_each_profile_has_passing_and_failing_sites(results, profile_id) -> None:
    res = results[profile_id]
    tbl = res.table
    assert tbl["passes_hard"].any(), "no demo site passes"
    assert (~tbl["passes_hard"]).any(), "no demo site fails"
    assert res.not_evaluated == ()  # the demo has every layer the profiles need
    assert not tbl["hard_incomplete"].any()
    assert tbl["score"].between(0, 100).all()
    assert sorted(tbl["rank"].tolist()) == list(range(1, len(tbl) + 1))
    worst_pass = tbl.loc[tbl["passes_hard"], "rank"].max()
    best_fail = tbl.loc[~tbl["passes_hard"], "rank"].min()
    assert worst_pass < best_fail
    # within the passing sites, rank follows score
    ok = tbl[tbl["passes_hard"]].sort_values("rank")
    assert ok["score"].is_monotonic_decreasing


@pytest.mark.parametrize("profile_id", PROFILES)
def test_every_failure_names_value_and_threshold_in_both_languages(results,
                                                                   profile_id) -> None:
    res = results[profile_id]
    crits = {c.id: c for c in res.profile.hard}
    n_checked = 0
    for idx, outs in res.outcomes.items():
        failed = [o for o in outs if o.status == "fail"]
        assert res.table.at[idx, "n_failed"] == len(failed)
        assert bool(res.table.at[idx, "passes_hard"]) == (not failed)
        for o in failed:
            crit = crits[o.criterion_id]
            assert isinstance(o.value, float)
            thr = format_number(crit.threshold, "sv")
            assert o.text_sv.startswith(crit.label_sv + ": ")
            assert format_number(o.value, "sv") in o.text_sv
            assert "krav" in o.text_sv
            assert thr in o.text_sv
            assert o.text_en.startswith(crit.label_en + ": ")
            assert format_number(o.value, "en") in o.text_en
            assert "required" in o.text_en and format_number(crit.threshold, "en") in o.text_en
            assert o.text_sv in res.table.at[idx, "failures_sv"]
            assert o.text_en in res.table.at[idx, "failures_en"]
            n_checked += 1
    assert n_checked > 0


def test_known_failure_sentence(results) -> None:
    """A site with no substation capacity nearby fails the battery grid criterion, explained."""
    res = results["battery_plant"]
    tbl = res.table
    cap = tbl["metric_grid_capacity_10km_mw"]
    idx = cap.index[cap.to_numpy() == 0][0]
    sv = tbl.at[idx, "failures_sv"]
    en = tbl.at[idx, "failures_en"]
    assert "Tillgänglig nätkapacitet (≥ 130 kV) inom 10 km: 0 MW, krav minst 200 MW" in sv
    assert "Available grid capacity (>= 130 kV) within 10 km: 0 MW, required at least 200 MW" in en


def test_missing_layer_is_not_evaluated_and_listed(demo_ls) -> None:
    prof = load_profile("steelworks")
    port_crits = [c.id for c in prof.hard
                  if prof.metric(c.metric).layer_type == "ports"]
    assert port_crits, "steelworks should have a hard port criterion"
    full = evaluate(None, prof, demo_ls)
    res = evaluate(None, prof, _without(demo_ls, "ports"))
    for cid in port_crits:
        assert cid in res.not_evaluated
        assert (res.hard_status[cid] == -1).all()
        assert res.hard[cid].isna().all()
    assert res.table["hard_incomplete"].all()
    assert all("ports" in t for t in res.not_evaluated_texts("en"))
    assert all(t_("layer_type.ports", "sv") in x for x in res.not_evaluated_texts("sv"))
    assert res.provenance.not_evaluated == res.not_evaluated
    # never silently passed: no outcome of those criteria says "pass"
    for outs in res.outcomes:
        assert all(o.status == "unknown" for o in outs if o.criterion_id in port_crits)
    # a site that failed only on the port criterion now passes the *checked* criteria,
    # but is flagged as not fully checked
    only_port = full.table["failures_en"].str.split("; ").map(len).eq(1) & \
        full.table["failures_en"].str.contains("port")
    for idx in full.table.index[only_port.to_numpy()]:
        assert res.table.at[idx, "passes_hard"]
        assert res.table.at[idx, "hard_incomplete"]
        assert "port" in res.table.at[idx, "not_checked_en"].lower()


def test_missing_soft_layer_is_left_out_of_the_score(demo_ls) -> None:
    prof = load_profile("battery_plant")
    soft_layers = {c.id: prof.metric(c.metric).layer_type for c in prof.soft}
    hard_layers = {prof.metric(h.metric).layer_type for h in prof.hard}
    crit, layer = next((c, lt) for c, lt in soft_layers.items()
                       if lt and lt not in hard_layers)
    res = evaluate(None, prof, _without(demo_ls, layer))
    assert crit in res.not_evaluated
    assert crit not in res.effective_weights
    assert math.isclose(sum(res.effective_weights.values()), 1.0)
    assert res.table[f"value_{crit}"].isna().all()
    assert (res.table[f"contrib_{crit}"] == 0).all()
    assert res.no_data[crit].all()
    assert res.table["score"].between(0, 100).all()


def test_no_sites_layer_gives_a_clear_error(demo_ls) -> None:
    with pytest.raises(ScoringError, match="no 'sites' layer"):
        evaluate(None, load_profile("battery_plant"), _without(demo_ls, "sites"))


def test_rerank_equals_fresh_evaluate(results, demo_ls) -> None:
    res = results["data_center"]
    new = {c.id: float(i + 1) for i, c in enumerate(res.profile.soft)}
    rr = res.rerank(new)
    fresh = evaluate(None, res.profile.with_weights(new), demo_ls)
    cols = ["score", "rank"] + [c for c in res.table.columns if c.startswith("contrib_")]
    pd.testing.assert_frame_equal(rr.table[cols], fresh.table[cols], check_exact=False,
                                  rtol=1e-12, atol=1e-9)
    assert rr.provenance.profile_hash == fresh.provenance.profile_hash
    assert rr.provenance.profile_hash != res.provenance.profile_hash
    assert not np.allclose(rr.table["score"], res.table["score"])


def test_rerank_rejects_bad_weights(results) -> None:
    res = results["battery_plant"]
    with pytest.raises(ScoringError, match="no soft criterion"):
        res.rerank({"nonexistent": 1.0})
    with pytest.raises(ScoringError, match="all weights are zero"):
        res.rerank({c.id: 0.0 for c in res.profile.soft})
    with pytest.raises(ScoringError, match="finite number"):
        res.rerank({res.profile.soft[0].id: -1.0})


def test_metrics_cache_is_reused(results, demo_ls, monkeypatch) -> None:
    res = results["steelworks"]

    def boom(*_a, **_k):
        raise AssertionError("metric recomputed despite the cache")

    monkeypatch.setattr("siting.metrics.registry.compute_metric", boom)
    again = evaluate(None, res.profile, demo_ls, metrics_cache=res.metrics)
    pd.testing.assert_series_equal(again.table["score"], res.table["score"])
    assert again.provenance.metric_methods.keys() == res.provenance.metric_methods.keys()


def test_labour_pool_method_in_provenance(results) -> None:
    methods = results["battery_plant"].provenance.metric_methods
    labour = [m for m in methods.values() if m["kind"] == "labour_pool"]
    assert labour and labour[0]["method"] in ("network", "straight_line")


def test_provenance_is_complete_and_round_trips(results) -> None:
    from siting.core.provenance import Provenance

    res = results["battery_plant"]
    prov = res.provenance
    assert prov.profile_hash == res.profile.content_hash and len(prov.profile_hash) == 64
    assert prov.catalog_id == "demo" and prov.region_codes == STUDY_AREA
    assert prov.n_sites == len(res.table)
    assert {r.type for r in prov.layers} >= {"substations", "sites", "railways"}
    assert all(r.file_hash.startswith("sha256:") for r in prov.layers)
    assert prov.vintages["substations"]
    assert Provenance.from_json(res.provenance_json()) == prov


def test_reproduce_from_provenance(results) -> None:
    from siting.scoring.sites import reproduce

    res = results["data_center"].rerank(
        {c.id: 1.0 for c in results["data_center"].profile.soft})
    again = reproduce(res.provenance_json())
    pd.testing.assert_series_equal(again.table["score"], res.table["score"])
    pd.testing.assert_series_equal(again.table["rank"], res.table["rank"])


def test_sensitivity_wrapper(results) -> None:
    res = results["battery_plant"]
    rep = res.sensitivity(n_draws=300, seed=1)
    acc = rep.acceptability
    assert math.isclose(acc["p_rank1"].sum(), 1.0)
    assert (acc.loc[~acc["passes_hard"], ["p_rank1", "p_top3"]] == 0).all().all()
    assert acc["p_top3"].between(0, 1).all()
    assert (acc["p_top3"] >= acc["p_rank1"] - 1e-12).all()
    assert list(rep.sweep["criterion_id"]) == list(res.evaluated_soft_ids)
    assert (rep.sweep["lower"] <= rep.sweep["weight"] + 1e-9).all()
    assert (rep.sweep["upper"] >= rep.sweep["weight"] - 1e-9).all()
    top = res.table.loc[res.table["rank"] == 1, "site_id"].iloc[0]
    assert set(rep.sweep["top_site"]) == {top}


def test_explain_site_and_unknown_id(results) -> None:
    res = results["battery_plant"]
    failing = res.table[~res.table["passes_hard"]].iloc[0]
    text = res.explain(failing["site_id"], "sv")
    assert failing["site_id"] in text and "EJ uppfyllt" in text
    assert res.explain(failing["site_id"], "en").count("NOT met") == failing["n_failed"]
    with pytest.raises(ScoringError, match="no candidate site has the id"):
        res.site_index("XX-999")


def test_user_sites_file(results, demo_ls, tmp_path) -> None:
    from siting.data.sites import read_sites

    sites = demo_ls.vector("sites").iloc[:5][["site_id", "name", "geometry"]]
    path = tmp_path / "mine.geojson"
    sites.to_crs(4326).to_file(path, driver="GeoJSON")
    mine = read_sites(path)
    assert mine.crs.to_epsg() == 3006
    res = evaluate(mine, load_profile("battery_plant"), demo_ls, sites_source=str(path))
    base = results["battery_plant"].table.set_index("site_id")
    got = res.table.set_index("site_id")
    assert list(got.index) == list(sites["site_id"])
    # kommunkod joined from the municipalities; metrics agree with the catalogue's sites
    assert (got["kommunkod"] == base.loc[got.index, "kommunkod"]).all()
    np.testing.assert_allclose(got["metric_dist_rail_m"], base.loc[got.index, "metric_dist_rail_m"],
                               rtol=1e-6)
    assert res.provenance.sites_source == str(path)


def test_user_sites_from_csv_with_swedish_format(demo_ls, tmp_path) -> None:
    from siting.core.errors import CrsError
    from siting.data.sites import read_sites

    pts = demo_ls.vector("sites").iloc[:3].copy()
    rep = pts.geometry.representative_point()
    text = "site_id;name;x;y\n" + "".join(
        f"{sid};Område {i};{str(round(p.x, 1)).replace('.', ',')};"
        f"{str(round(p.y, 1)).replace('.', ',')}\n"
        for i, (sid, p) in enumerate(zip(pts["site_id"], rep, strict=True)))
    path = tmp_path / "punkter.csv"
    path.write_bytes(text.encode("cp1252"))
    sites = read_sites(path)
    assert sites.crs.to_epsg() == 3006 and len(sites) == 3
    assert (sites.geom_type == "Point").all()
    assert sites["name"].iloc[0] == "Område 0"
    res = evaluate(sites, load_profile("data_center"), demo_ls)
    assert res.table["site_id"].tolist() == pts["site_id"].tolist()
    bad = tmp_path / "nocoords.csv"
    bad.write_text("site_id;a;b\nX;1;2\n", encoding="utf-8")
    with pytest.raises(ScoringError, match="no coordinate columns"):
        read_sites(bad)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("site_id,lon,lat\nX,7200000,750000\n", encoding="utf-8")
    with pytest.raises(CrsError):
        read_sites(wrong)
