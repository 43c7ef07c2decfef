"""One electricity grid from several sources: stations and lines, duplicates merged by distance.

Sweden's grid is described by three open sources of different quality
(``shared/data/sweden/SOURCES.md`` §5-7, §21-22):

* **Svenska kraftnät** (``svk``): the official transmission-grid geometry;
  station voltages are inferred from nearby lines.
* **ENTSO-E / GridKit** (``entsoe``): the 220/400 kV map, schematic geometry;
  its voltages are class lower bounds (380 means Swedish 400 kV).
* **OpenStreetMap** (``osm``): crowd-mapped, about 2016; the only source
  with parts of the 130 kV regional grid.

:func:`merge_stations` and :func:`merge_lines` take the sources in priority
order (best first) and keep, for each physical station or line, the feature
of the best source, with every feature's ``voltage_kv`` (nominal Swedish
level) and ``source`` (the sources that describe it, e.g. ``"svk+osm"``).
Which source covers which voltages is declared in the catalogue
(``[[layer.coverage]]``), not here.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> a = gpd.GeoDataFrame({"voltage_kv": [400.0]}, geometry=[Point(0, 0)], crs=3006)
>>> b = gpd.GeoDataFrame({"voltage_kv": [380.0, 130.0]},
...                      geometry=[Point(300, 0), Point(9000, 0)], crs=3006)
>>> merged = merge_stations([("svk", a), ("entsoe", b)])
>>> merged[["voltage_kv", "source", "n_merged"]].values.tolist()
[[400.0, 'svk+entsoe', 2], [130.0, 'entsoe', 1]]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "LINE_MATCH_M",
    "LINE_OVERLAP_SHARE",
    "STATION_MERGE_M",
    "merge_lines",
    "merge_stations",
    "nominal_kv",
]

logger = logging.getLogger(__name__)

#: Stations of different sources closer than this are one station, metres (judgement:
#: SvK station points lie a median 57 m from their lines, ENTSO-E is schematic).
STATION_MERGE_M = 1_000.0
#: A lower-priority line lying this close to a kept line of the same voltage duplicates it, m.
LINE_MATCH_M = 5_000.0
#: ... when at least this share of its length lies that close.
LINE_OVERLAP_SHARE = 0.5

#: ENTSO-E voltage classes (lower bounds) and near values mapped to Swedish nominal levels.
_NOMINAL = {380.0: 400.0, 420.0: 400.0, 132.0: 130.0}


def nominal_kv(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Voltages as Swedish nominal levels in kV (380 -> 400, 132 -> 130; 0 -> unknown).

    >>> nominal_kv([380, 132, 0, 220, float("nan")]).tolist()
    [400.0, 130.0, nan, 220.0, nan]
    """
    kv = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    out = kv.to_numpy(dtype="float64", na_value=np.nan).copy()
    out[out <= 0] = np.nan
    for raw, nominal in _NOMINAL.items():
        out[out == raw] = nominal
    return out


def _stack(sources: Sequence[tuple[str, gpd.GeoDataFrame]]) -> gpd.GeoDataFrame:
    frames = []
    for rank, (name, gdf) in enumerate(sources):
        if gdf is None or not len(gdf):
            continue
        frames.append(gpd.GeoDataFrame({
            "voltage_kv": nominal_kv(gdf["voltage_kv"]) if "voltage_kv" in gdf else np.nan,
            "source": name, "source_rank": rank,
            "source_id": (gdf["source_id"].astype(str).to_numpy() if "source_id" in gdf
                          else [f"{name}:{i}" for i in range(len(gdf))]),
        }, geometry=gdf.geometry.to_crs(3006).to_numpy(), crs=3006))
    if not frames:
        return gpd.GeoDataFrame({"voltage_kv": [], "source": [], "source_rank": [],
                                 "source_id": []}, geometry=[], crs=3006)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=3006)


def merge_stations(sources: Sequence[tuple[str, gpd.GeoDataFrame]], *,
                   merge_distance_m: float = STATION_MERGE_M) -> gpd.GeoDataFrame:
    """Merge station points of several sources (priority order) closer than a distance.

    Greedy: the stations of the best source come first; every not yet merged
    station within ``merge_distance_m`` of one joins it. The merged station
    keeps the location of its best-source member, the highest known voltage of
    its members and the names of the sources that describe it.

    Parameters
    ----------
    sources : sequence of (name, GeoDataFrame)
        Points with ``voltage_kv`` (NaN when unknown), any CRS, best source first.
    merge_distance_m : float
        Stations closer than this (metres, EPSG:3006) are one station.

    Returns
    -------
    GeoDataFrame
        EPSG:3006: ``station_id``, ``voltage_kv``, ``source``, ``n_merged``,
        ``source_ids``, geometry.
    """
    pts = _stack(sources)
    geoms = pts.geometry.to_numpy()
    n = len(pts)
    cluster = np.full(n, -1, dtype=np.int64)
    if n:
        tree = shapely.STRtree(geoms)
        q_idx, t_idx = tree.query(geoms, predicate="dwithin", distance=merge_distance_m)
        neighbours = pd.Series(t_idx).groupby(q_idx).apply(np.asarray)
        n_clusters = 0
        for i in range(n):
            if cluster[i] >= 0:
                continue
            members = neighbours.get(i, np.array([i]))
            members = members[cluster[members] < 0]
            cluster[members] = n_clusters
            cluster[i] = n_clusters
            n_clusters += 1
    rows = []
    for cid, grp in pts.groupby(cluster, sort=True):
        grp = grp.sort_values("source_rank", kind="stable")
        kv = grp["voltage_kv"].to_numpy(dtype=float)
        rows.append({
            "station_id": f"grid_s{cid:04d}",
            "voltage_kv": float(np.nanmax(kv)) if np.isfinite(kv).any() else np.nan,
            "source": "+".join(dict.fromkeys(grp["source"])),
            "n_merged": len(grp),
            "source_ids": ";".join(grp["source_id"]),
            "geometry": grp.geometry.iloc[0],
        })
    cols = ["station_id", "voltage_kv", "source", "n_merged", "source_ids", "geometry"]
    out = gpd.GeoDataFrame(rows or {c: [] for c in cols}, geometry="geometry", crs=3006)
    logger.debug("merged %d station points into %d stations", n, len(out))
    return out[cols]


def _samples(geoms: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step_m`` along each line (at least 2, at most 400) and their line index."""
    lengths = shapely.length(geoms)
    counts = np.clip(np.ceil(lengths / step_m), 2, 400).astype(np.int64)
    owner = np.repeat(np.arange(len(geoms)), counts)
    starts = np.cumsum(counts) - counts
    frac = (np.arange(owner.size) - starts[owner] + 0.5) / counts[owner]
    return shapely.line_interpolate_point(geoms[owner], frac, normalized=True), owner


def merge_lines(sources: Sequence[tuple[str, gpd.GeoDataFrame]], *,
                match_distance_m: float = LINE_MATCH_M,
                overlap_share: float = LINE_OVERLAP_SHARE,
                sample_step_m: float = 250.0) -> gpd.GeoDataFrame:
    """Merge grid lines of several sources (priority order), dropping duplicates.

    A line of a lower-priority source is a duplicate when at least
    ``overlap_share`` of its length (measured at points every ``sample_step_m``)
    lies within ``match_distance_m`` of the lines already kept at the same
    voltage (or of unknown voltage). The kept line it follows records the
    duplicate's source in ``source``.

    Returns
    -------
    GeoDataFrame
        EPSG:3006: ``line_id``, ``voltage_kv``, ``source``, ``source_ids``, geometry.
    """
    lines = _stack(sources)
    geoms = lines.geometry.to_numpy()
    kv_all = lines["voltage_kv"].to_numpy(dtype=float)
    ranks = lines["source_rank"].to_numpy()
    kept: list[int] = []
    extra: dict[int, list[str]] = {}
    for rank in sorted(set(ranks.tolist())):
        idx = np.flatnonzero(ranks == rank)
        if not kept:
            kept.extend(idx.tolist())
            continue
        kept_arr = np.asarray(kept)
        pts, owner = _samples(geoms[idx], sample_step_m)
        q, t = shapely.STRtree(geoms[kept_arr]).query(pts, predicate="dwithin",
                                                      distance=match_distance_m)
        kv_line, kv_kept = kv_all[idx[owner[q]]], kv_all[kept_arr[t]]
        ok = ~np.isfinite(kv_line) | ~np.isfinite(kv_kept) | (kv_line == kv_kept)
        near = np.zeros(len(pts), dtype=bool)
        near[q[ok]] = True
        share = (np.bincount(owner, weights=near, minlength=len(idx))
                 / np.bincount(owner, minlength=len(idx)))
        host = np.full(len(idx), -1, dtype=np.int64)
        host[owner[q[ok]][::-1]] = kept_arr[t[ok]][::-1]
        for j, i in enumerate(idx):
            if share[j] >= overlap_share and host[j] >= 0:
                extra.setdefault(int(host[j]), []).append(str(lines["source"].iloc[i]))
            else:
                kept.append(int(i))
    out = lines.iloc[kept].copy()
    out["source"] = ["+".join(dict.fromkeys([s, *extra.get(int(k), [])]))
                     for k, s in zip(kept, out["source"], strict=True)]
    out.insert(0, "line_id", [f"grid_l{i:05d}" for i in range(len(out))])
    out = out.rename(columns={"source_id": "source_ids"})
    logger.debug("merged %d line features into %d lines", len(lines), len(out))
    return out[["line_id", "voltage_kv", "source", "source_ids", "geometry"]].reset_index(
        drop=True)
