"""Layers built from several source files when a catalogue is loaded.

A catalogue layer with ``build = "<builder>"`` and ``inputs = { role = "file" }``
is not read from one file: the builder named here reads the inputs that exist
(in the catalogue's data folders), combines them and returns one layer. Inputs
that are absent are named in the layer's load notes; when none exists the layer
is missing.

Builders:

``grid_stations`` / ``grid_lines``
    the merged electricity grid (:mod:`siting.data.grid_merge`) from the roles
    ``svk``, ``entsoe`` and ``osm``, in that priority order.
``tatort_population``
    SCB tätorter 2020 (role ``tatorter``) as population points, with
    ``working_age_population`` = population × the kommun's share of residents
    aged 20-64 (role ``age_shares``, SCB 2019). The share is the kommun's, not
    the tätort's: a stated approximation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.errors import CatalogError, DataError
from siting.data.grid_merge import merge_lines, merge_stations
from siting.data.io.tabular import points_from_table, read_csv
from siting.data.io.vector import read_vector

__all__ = ["BUILDERS", "build_layer", "tatort_population"]

logger = logging.getLogger(__name__)

Bbox = tuple[float, float, float, float] | None
Inputs = Mapping[str, Path | None]

#: Grid-source roles in priority order (best first).
GRID_ROLES = ("svk", "entsoe", "osm")


def _csv_points(path: Path) -> gpd.GeoDataFrame:
    table = read_csv(path, text_columns=("kommunkod", "lanskod")).data
    return points_from_table(table, "lon", "lat", "EPSG:4326", str(path)).to_crs(3006)


def _vector(path: Path, bbox: Bbox) -> gpd.GeoDataFrame:
    gdf = read_vector(path, bbox_3006=bbox).data
    return gdf.to_crs(3006)


def _clip_bbox(gdf: gpd.GeoDataFrame, bbox: Bbox) -> gpd.GeoDataFrame:
    if bbox is None or not len(gdf):
        return gdf
    return gdf.cx[bbox[0]:bbox[2], bbox[1]:bbox[3]]


def _station_source(role: str, path: Path, bbox: Bbox) -> gpd.GeoDataFrame:
    """Station points of one grid source with ``voltage_kv`` and ``source_id``."""
    if role == "svk":
        gdf = _clip_bbox(_csv_points(path), bbox)
        return gdf.assign(voltage_kv=gdf["max_kv_lines_within_500m"],
                          source_id=gdf["svk_station_id"].astype(str))
    gdf = _vector(path, bbox)
    if role == "entsoe":
        return gdf.assign(source_id="entsoe:" + gdf["bus_id"].astype(str))
    keep = gdf["typ"].isin(["substation", "sub_station", "plant"]).to_numpy()
    gdf = gdf.loc[keep]
    return gdf.assign(voltage_kv=gdf["max_voltage_kv"], source_id="osm:" + gdf["v_id"].astype(str))


def _line_source(role: str, path: Path, bbox: Bbox) -> gpd.GeoDataFrame:
    """Lines of one grid source with ``voltage_kv`` and ``source_id``."""
    gdf = _vector(path, bbox)
    if role == "svk":
        return gdf.assign(source_id=gdf["svk_line_id"].astype(str))
    if role == "entsoe":
        return gdf.assign(source_id=gdf["id"].astype(str))
    # OSM: drop the 16.7 Hz railway-traction lines (SOURCES.md §7)
    traction = gdf["frequency_raw"].astype(str).str.contains("16.7", regex=False).to_numpy()
    gdf = gdf.loc[~traction]
    return gdf.assign(voltage_kv=gdf["max_voltage_kv"], source_id="osm:" + gdf["l_id"].astype(str))


def _grid(kind: str, inputs: Inputs, bbox: Bbox) -> tuple[gpd.GeoDataFrame | None, list[str]]:
    notes: list[str] = []
    sources: list[tuple[str, gpd.GeoDataFrame]] = []
    read = _station_source if kind == "stations" else _line_source
    for role in GRID_ROLES:
        path = inputs.get(role)
        if path is None:
            if role in inputs:
                notes.append(f"source '{role}' not found in the data folders: merged without it")
            continue
        sources.append((role, read(role, path, bbox)))
    if not sources:
        return None, notes
    merged = merge_stations(sources) if kind == "stations" else merge_lines(sources)
    counts = merged["source"].value_counts().to_dict()
    notes.append(f"{len(merged)} {kind} merged from {', '.join(r for r, _ in sources)}: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return merged, notes


def tatort_population(tatorter: pd.DataFrame, age_shares: pd.DataFrame) -> pd.DataFrame:
    """Tätort populations with ``working_age_population`` scaled by the kommun's 20-64 share.

    Parameters
    ----------
    tatorter : DataFrame
        ``kommunkod``, ``population`` (persons).
    age_shares : DataFrame
        ``kommunkod``, ``share_pop_20_64_2019`` (0..1).

    Returns
    -------
    DataFrame
        ``tatorter`` with ``share_20_64`` and ``working_age_population`` (persons;
        NaN where the kommun has no share).

    Examples
    --------
    >>> t = pd.DataFrame({"kommunkod": ["2482"], "population": [36388]})
    >>> a = pd.DataFrame({"kommunkod": ["2482"], "share_pop_20_64_2019": [0.5408]})
    >>> round(float(tatort_population(t, a)["working_age_population"].iloc[0]), 1)
    19678.6
    """
    shares = age_shares.set_index(age_shares["kommunkod"].astype(str).str.zfill(4))
    share = tatorter["kommunkod"].astype(str).str.zfill(4).map(
        shares["share_pop_20_64_2019"]).astype(float)
    out = tatorter.copy()
    out["share_20_64"] = share.to_numpy()
    out["working_age_population"] = (pd.to_numeric(out["population"], errors="coerce")
                                     * share).to_numpy()
    return out


def _tatorter(_kind: str, inputs: Inputs, bbox: Bbox) -> tuple[gpd.GeoDataFrame | None, list[str]]:
    path = inputs.get("tatorter")
    if path is None:
        return None, []
    points = _clip_bbox(_csv_points(path), bbox)
    shares_path = inputs.get("age_shares")
    if shares_path is None:
        return points, ["age shares not found: working_age_population missing, the labour "
                        "pool counts the total population"]
    shares = read_csv(shares_path, text_columns=("kommunkod",)).data
    out = gpd.GeoDataFrame(tatort_population(points, shares), geometry="geometry", crs=3006)
    n_missing = int(out["working_age_population"].isna().sum())
    note = ("working_age_population = tätort population × the kommun's share aged 20-64 "
            "(SCB 2019)")
    return out, [note + (f"; {n_missing} tätorter without a share" if n_missing else "")]


#: Builder name -> function(kind, inputs, bbox) -> (GeoDataFrame in EPSG:3006 or None, notes).
BUILDERS: Mapping[str, Callable[[str, Inputs, Bbox], tuple[gpd.GeoDataFrame | None, list[str]]]]
BUILDERS = MappingProxyType({
    "grid_stations": lambda _k, i, b: _grid("stations", i, b),
    "grid_lines": lambda _k, i, b: _grid("lines", i, b),
    "tatort_population": _tatorter,
})


def build_layer(builder: str, inputs: Inputs, *, bbox_3006: Bbox = None, source: str = ""
                ) -> tuple[gpd.GeoDataFrame | None, list[str]]:
    """Run a builder over the inputs that exist.

    Returns
    -------
    (GeoDataFrame or None, list of str)
        The layer in EPSG:3006 (None when no input exists) and load notes.

    Raises
    ------
    CatalogError
        Unknown builder.
    DataError
        An input cannot be read (file named).
    """
    fn = BUILDERS.get(builder)
    if fn is None:
        raise CatalogError.single(source, f"unknown builder '{builder}'", field="build",
                                  hint=f"use one of: {', '.join(BUILDERS)}")
    try:
        gdf, notes = fn(builder, inputs, bbox_3006)
    except KeyError as exc:
        raise DataError.single(source, f"an input of builder '{builder}' lacks column {exc}",
                               field="inputs", hint="point the input at the pack's file") from exc
    if gdf is not None and not len(gdf):
        gdf = gdf.iloc[0:0]
    if gdf is not None:
        gdf = gdf.loc[np.asarray(~gdf.geometry.is_empty)]
    return gdf, notes
