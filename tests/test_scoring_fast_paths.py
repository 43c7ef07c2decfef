"""The fast paths of site scoring equal straightforward reference versions.

Each optimised step (sentences per criterion column, batch number formatting,
stable ranks from an unstable sort, overlap without dissolving the layer,
point-in-polygon municipality codes, re-ranking without per-row work) is checked
against the plain per-row or per-layer way it replaced, on random inputs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.core.i18n import format_number, format_numbers
from siting.criteria.evaluator import FAIL, PASS, UNKNOWN, Evidence, rank_order, reason
from siting.criteria.profiles import HardCriterion, load_profile
from siting.data.layers import load_layerset
from siting.demo import STUDY_AREA
from siting.metrics.attributes import assign_kommunkod
from siting.metrics.overlap import overlap_share
from siting.scoring.sites import evaluate
from siting.scoring.texts import hard_texts, join_columns, join_flags

CRS = "EPSG:3006"


# ----------------------------------------------------------------------------- numbers
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.floats(min_value=-1e14, max_value=1e14),  # (format_number fails from ~1e28 on)
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 5e-324, 1e-9, 1e15]),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=-10**9, max_value=10**9).map(lambda i: i / 1000.0),
    st.integers(min_value=-10**6, max_value=10**6),
    st.sampled_from([0.0, -0.0, 2.675, 1.005, 0.125, 999.995, 0.0005, -0.0004999, 12345.5])),
    max_size=30))
def test_format_numbers_equals_format_number(values: list[float]) -> None:
    for lang in ("sv", "en"):
        assert format_numbers(values, lang) == [format_number(v, lang) for v in values]


# ----------------------------------------------------------------------------- ranks
def _rank_reference(verdict: np.ndarray, scores: np.ndarray) -> np.ndarray:
    key = np.where(np.isnan(scores), np.inf, -scores)
    order = np.lexsort((np.arange(scores.size), key, verdict == FAIL))
    ranks = np.empty(scores.size, dtype=np.int64)
    ranks[order] = np.arange(1, scores.size + 1)
    return ranks


@pytest.mark.parametrize("seed", range(40))
def test_rank_order_equals_lexsort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    pool = np.array([0.0, -0.0, 12.5, 50.0, 100.0, np.nan, np.inf, -np.inf])
    scores = (rng.choice(pool, n) if seed % 2 else
              rng.uniform(0, 100, n).round(int(rng.integers(0, 3))))
    verdict = rng.choice(np.array([PASS, FAIL, UNKNOWN], dtype=np.int8), n)
    assert np.array_equal(rank_order(verdict, scores), _rank_reference(verdict, scores))


# ----------------------------------------------------------------------------- sentences
def _texts_reference(hard: list[HardCriterion], values: dict[str, np.ndarray],
                     codes: np.ndarray, evidence: dict[str, Evidence]) -> dict[str, list[str]]:
    """The per-site loop that :func:`hard_texts` replaced."""
    out: dict[str, list[list[str]]] = {k: [[] for _ in range(codes.shape[0])]
                                       for k in ("fail_sv", "fail_en", "unk_sv", "unk_en")}
    for j, crit in enumerate(hard):
        vals = values.get(crit.metric)
        for i in np.flatnonzero(codes[:, j] != PASS):
            v = None if vals is None else vals[i]
            v = None if v is pd.NA or (isinstance(v, float) and v != v) else v
            prefix = "fail" if codes[i, j] == FAIL else "unk"
            for lang in ("sv", "en"):
                out[f"{prefix}_{lang}"][i].append(
                    reason(crit, v, int(codes[i, j]), evidence.get(crit.metric), lang))
    return {k: ["; ".join(parts) for parts in v] for k, v in out.items()}


@pytest.mark.parametrize("seed", range(6))
def test_hard_texts_equal_per_site_reasons(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    hard = [
        HardCriterion("area", "area_ha", ">=", 50.0, "", "Yta", "Area", "ha"),
        HardCriterion("grid", "dist_m", "<=", 8000.0, "", "Avstånd", "Distance", "m"),
        HardCriterion("share", "share", "<=", 0.1, "", "Andel", "Share"),
        HardCriterion("zone", "zoning", "in", ("industrial", "mixed"), "", "Plan", "Zoning"),
        HardCriterion("count", "n_schools", ">=", 2.0, "", "Skolor", "Schools"),
        HardCriterion("gone", "not_measured", ">=", 1.0, "", "Saknas", "Missing"),
    ]
    nums = rng.choice(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 2.675]), n)
    nums = np.where(rng.uniform(size=n) < 0.6, rng.uniform(-5e4, 5e4, n) / 7, nums)
    values = {
        "area_ha": nums.copy(),
        "dist_m": np.abs(nums) * 11.0,
        "share": rng.uniform(0, 1, n).round(int(rng.integers(1, 6))),
        "zoning": rng.choice(np.array(["industrial", "housing", None, "åker"], dtype=object), n),
        "n_schools": rng.integers(0, 5, n).astype(float),
    }
    codes = rng.choice(np.array([PASS, FAIL, UNKNOWN], dtype=np.int8), (n, len(hard)))
    gap = Evidence("dist_m", layer_id="substations", bias="upper", why_sv="luckor",
                   why_en="gaps", decide_sv="nätägaren", decide_en="the grid owner")
    evidence = {"dist_m": gap, "not_measured": Evidence("not_measured", measured=False)} \
        if seed % 2 else {}
    got = hard_texts(hard, values, codes, evidence)
    want = _texts_reference(hard, values, codes, evidence)
    for key in want:
        assert got[key].tolist() == want[key], key


def test_join_helpers_equal_plain_joins() -> None:
    rng = np.random.default_rng(3)
    cols = [np.where(rng.uniform(size=50) < 0.5, None, f"t{j}").astype(object) for j in range(4)]
    want = ["; ".join(c[i] for c in cols if c[i] is not None) for i in range(50)]
    assert join_columns(cols, "; ").tolist() == want
    mask = rng.uniform(size=(50, 3)) < 0.4
    names = ["a", "b", "c"]
    assert join_flags(names, mask).tolist() == [", ".join(np.array(names)[r]) for r in mask]


# ----------------------------------------------------------------------------- geometry
def _overlap_reference(sites: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> np.ndarray:
    """The dissolve-the-layer version that overlap_share replaced."""
    s = np.asarray(sites.geometry.values, dtype=object)
    parts = shapely.get_parts(shapely.union_all(np.asarray(layer.geometry.values)))
    qi, pi = shapely.STRtree(parts).query(s, predicate="intersects")
    area = shapely.area(s)
    is_area = area > 0
    inter = np.where(is_area[qi], shapely.area(shapely.intersection(s[qi], parts[pi])), 0.0)
    cov = np.bincount(qi, weights=inter, minlength=len(s))
    hit = np.bincount(qi, minlength=len(s)) > 0
    return np.where(is_area, np.clip(cov / np.where(is_area, area, 1.0), 0, 1), hit)


@pytest.mark.parametrize("seed", range(8))
def test_overlap_share_equals_dissolved_layer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 5000, (40, 2))
    r = rng.uniform(50, 800, 40)
    polys = shapely.buffer(shapely.points(c), r, quad_segs=4)  # overlapping discs
    layer = gpd.GeoDataFrame(geometry=polys, crs=CRS)
    xy = rng.uniform(-500, 5500, (200, 2))
    half = rng.uniform(20, 400, 200)
    geoms = shapely.box(xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half)
    geoms[::5] = shapely.points(xy[::5])
    sites = gpd.GeoDataFrame(geometry=geoms, crs=CRS)
    got = overlap_share(sites, layer).to_numpy()
    assert np.allclose(got, _overlap_reference(sites, layer), rtol=0, atol=1e-9)
    assert (got[1::5] > 0).any() and (got[1::5] < 1).any()  # partial overlaps were tested


def test_assign_kommunkod_equals_nearest_within_1km() -> None:
    munis = gpd.GeoDataFrame({"kommunkod": ["0001", "0002", "0003"]},
                             geometry=[shapely.box(0, 0, 1000, 1000),
                                       shapely.box(1000, 0, 2000, 1000),
                                       shapely.box(5000, 0, 6000, 1000)], crs=CRS)
    rng = np.random.default_rng(1)
    xy = np.column_stack([rng.uniform(-1500, 7500, 400), rng.uniform(-1200, 2200, 400)])
    sites = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
    got = assign_kommunkod(sites, munis)
    d = shapely.distance(shapely.points(xy)[:, None], np.asarray(munis.geometry.values)[None])
    want = np.where(d.min(axis=1) <= 1000, munis["kommunkod"].to_numpy()[d.argmin(axis=1)],
                    None)
    on_edge = (np.sort(d, axis=1)[:, 1] == 0)  # on a shared edge: either is right
    assert got[~on_edge].astype(object).where(got[~on_edge].notna(), None).tolist() == \
        want[~on_edge].tolist()
    assert got.notna().sum() > 100 and got.isna().sum() > 10  # both cases were tested


# ----------------------------------------------------------------------------- re-rank
@pytest.fixture(scope="module")
def demo_result():
    ls = load_layerset("demo", region=list(STUDY_AREA))
    return ls, evaluate(None, load_profile("battery_plant"), ls)


def test_rerank_equals_fresh_evaluation_and_leaves_the_original(demo_result) -> None:
    ls, res = demo_result
    before = res.table.copy()
    weights = {c: float(i + 1) for i, c in enumerate(res.soft_ids)}
    fast = res.rerank(weights)
    fresh = evaluate(None, res.profile.with_weights(weights), ls)
    cols = ["score", "rank", *[f"contrib_{c}" for c in res.soft_ids]]
    pd.testing.assert_frame_equal(fast.table[cols], fresh.table[cols], check_exact=False,
                                  rtol=1e-12)
    assert fast.profile.content_hash == fresh.profile.content_hash
    pd.testing.assert_frame_equal(res.table, before)  # the copy-on-write table
    assert not fast.table["score"].equals(res.table["score"])
    again = fast.rerank(dict(res.weights))  # back to the profile's weights
    pd.testing.assert_series_equal(again.table["rank"], res.table["rank"])


def test_the_rank_memo_evaluate_seeds_equals_the_one_gathered_from_the_table(demo_result) -> None:
    import dataclasses

    _, res = demo_result
    seeded = res._rank_core()
    gathered = dataclasses.replace(res, _memo={})._rank_core()
    assert seeded[0] == gathered[0]
    for a, b in zip(seeded[1:], gathered[1:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_with_strict_reuses_nothing_stale(demo_result) -> None:
    _, res = demo_result
    weights = dict.fromkeys(res.soft_ids, 1.0)
    strict = res.rerank(weights).with_strict(True).rerank(dict(res.weights))
    direct = res.with_strict(True)
    pd.testing.assert_series_equal(strict.table["rank"], direct.table["rank"])
    pd.testing.assert_series_equal(strict.table["status"], direct.table["status"])


def test_feature_sources_from_the_distance_query(demo_result) -> None:
    from siting.scoring.sites import compute_metrics, feature_sources

    ls, res = demo_result
    positions: dict[str, np.ndarray] = {}
    compute_metrics(res.sites, res.profile, ls, nearest_positions=positions)
    fast = feature_sources(res.sites, res.profile, ls, res.missing_metrics, positions)
    slow = feature_sources(res.sites, res.profile, ls, res.missing_metrics)
    assert fast.keys() == slow.keys()
    for mid in fast:
        pd.testing.assert_series_equal(fast[mid], slow[mid], check_dtype=False)

