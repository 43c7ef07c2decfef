"""Labour pool: working-age population reachable from each site within a travel time.

Two methods, chosen by what is loaded:

* **network** (a ``roads`` layer exists): travel time along the road graph
  (:mod:`siting.metrics.roadgraph`: vertices within 1 m merged, lines
  densified to 1 km, chains of degree-2 vertices contracted so that scipy
  ``dijkstra`` with ``limit`` = the time budget runs over junctions only;
  edge time = length / speed, speed from ``speed_kmh`` or by ``road_class``
  (1: 100, 2: 90, 3: 80, 4: 70, 5: 50 km/h)).
  Sites and population cells join the graph at their nearest road vertex
  through an *access leg* at 30 km/h straight line. A cell counts when
  access + network + access <= budget. Cells within ``max_access_m`` of a
  site also count through a direct leg at the access speed (local streets);
  cells (or sites) farther than ``max_access_m`` from any road fall back to the
  straight-line rule below. The counting is done once per distinct (site
  node, access time) with cells grouped by road chain
  (:mod:`siting.metrics._labour_core`), never as a dense sites x cells array.
* **straight_line** (no roads): a cell counts when
  ``distance * detour_factor / speed_kmh <= budget``.

Distances are measured from the site geometry (a polygon's edge). Nothing
stops at municipal or county borders: every cell in the layer counts.
The result's ``attrs`` say which method and field were used
(``attrs["method"]``, ``attrs["note"] = {"sv": ..., "en": ...}``).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> sites = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:3006")
>>> cells = gpd.GeoDataFrame({"working_age_population": [1000.0, 500.0]},
...                          geometry=[Point(30_000, 0), Point(60_000, 0)], crs="EPSG:3006")
>>> s = labour_pool(sites, cells, travel_time_min=45)   # 45 min * 70 km/h / 1.3 = 40.4 km
>>> float(s.iloc[0]), s.attrs["method"]
(1000.0, 'straight_line')
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import DataError, ProfileError
from siting.core.i18n import format_number
from siting.metrics._base import (
    as_series,
    check_layer,
    check_sites,
    numeric_values,
    site_geometries,
    valid_geometry_mask,
)
from siting.metrics._labour_core import _network_pool, _straight_pool
from siting.metrics.roadgraph import (
    CLASS_SPEEDS_KMH,
    M_PER_MIN_PER_KMH,
    RoadGraph,
    RoadGraphCache,
    build_road_graph,
)
from siting.metrics.spec import DEFAULT_DETOUR_FACTOR, DEFAULT_LABOUR_FIELD, DEFAULT_SPEED_KMH

__all__ = [
    "ACCESS_SPEED_KMH",
    "CLASS_SPEEDS_KMH",
    "MAX_ACCESS_M",
    "RoadGraph",
    "RoadGraphCache",
    "build_road_graph",
    "labour_pool",
    "population_points",
]

#: Speed of the straight-line access leg between a site/cell and its road node, km/h.
ACCESS_SPEED_KMH = 30.0
#: Longest access leg; cells/sites farther from any road use the straight-line rule, m.
MAX_ACCESS_M = 5_000.0
_M_PER_MIN_PER_KMH = M_PER_MIN_PER_KMH


def population_points(population: gpd.GeoDataFrame, field: str = DEFAULT_LABOUR_FIELD
                      ) -> tuple[np.ndarray, np.ndarray, str]:
    """Cell locations (centroids), their counts, and the field actually used.

    Falls back to ``population`` when ``field`` is absent or entirely missing.
    Missing counts are 0. Cells with empty geometry are dropped; records at
    the same location are summed.
    """
    check_layer(population, "population_grid")
    used = field
    if field not in population.columns or population[field].isna().all():
        if field != "population" and "population" in population.columns:
            used = "population"
        else:
            raise DataError.single(
                "population_grid", f"has no field '{field}'", field=field,
                hint="map working_age_population or population in the layer catalogue")
    values = np.nan_to_num(numeric_values(population, used, "population_grid"), nan=0.0)
    geoms = np.asarray(population.geometry.values, dtype=object)
    ok = valid_geometry_mask(geoms)
    pts = shapely.centroid(geoms[ok])
    xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
    # records at the same location (e.g. one per age group) are summed into one cell
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    if uniq.shape[0] < xy.shape[0]:
        return uniq, np.bincount(inverse.ravel(), weights=values[ok]), used
    return xy, values[ok], used


def labour_pool(
    sites: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    *,
    travel_time_min: float,
    roads: gpd.GeoDataFrame | None = None,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    field: str = DEFAULT_LABOUR_FIELD,
    access_speed_kmh: float = ACCESS_SPEED_KMH,
    max_access_m: float = MAX_ACCESS_M,
    graph: RoadGraph | None = None,
    graph_cache: RoadGraphCache | None = None,
    name: str | None = None,
) -> pd.Series:
    """Population reachable from each site within ``travel_time_min`` minutes.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites (points or polygons), EPSG:3006.
    population : GeoDataFrame
        ``population_grid`` cells (points or polygons), EPSG:3006; include the
        neighbourhood (other municipalities and counties count).
    travel_time_min : float
        Time budget in minutes.
    roads : GeoDataFrame, optional
        Road lines; when given (and not empty) the network method is used.
    speed_kmh : float
        Straight-line speed; in network mode also the speed of roads with
        neither ``speed_kmh`` nor ``road_class``.
    detour_factor : float
        Straight-line distance multiplier (>= 1).
    field : str
        Population field; falls back to ``population`` (noted in ``attrs``).
    access_speed_kmh, max_access_m : float
        Speed and maximum length of the straight-line access leg (network mode).
    graph : RoadGraph, optional
        A prebuilt graph of ``roads`` (reuse it across several metrics).
    graph_cache : RoadGraphCache, optional
        Where to look up (and keep) the graph of ``roads`` when ``graph`` is
        not given; without it the graph is built for this call only.
    name : str, optional
        Series name (default ``labour_pool_<T>min``).

    Returns
    -------
    pandas.Series
        float population per site; ``attrs``: ``method`` ("network" |
        "straight_line"), ``note`` ({"sv", "en"}), ``note_sv``, ``note_en``,
        ``field``, ``travel_time_min``.
    """
    check_sites(sites)
    for key, val in (("travel_time_min", travel_time_min), ("speed_kmh", speed_kmh),
                     ("access_speed_kmh", access_speed_kmh)):
        if not np.isfinite(val) or val <= 0:
            raise ProfileError.single("labour_pool", f"{key} must be > 0, got {val!r}", field=key)
    if not np.isfinite(detour_factor) or detour_factor < 1:
        raise ProfileError.single("labour_pool", f"detour_factor must be >= 1, got {detour_factor!r}",
                                  field="detour_factor")
    label = name or f"labour_pool_{format_number(travel_time_min, 'en')}min"
    cell_xy, pop, used = population_points(population, field)
    if graph is None and roads is not None and len(roads):
        graph = (graph_cache.get(roads, default_speed_kmh=speed_kmh) if graph_cache is not None
                 else build_road_graph(roads, default_speed_kmh=speed_kmh))
    network = graph is not None and graph.n_nodes > 1
    sl_radius_m = speed_kmh * _M_PER_MIN_PER_KMH * travel_time_min / detour_factor
    geoms = site_geometries(sites)
    valid = valid_geometry_mask(geoms)
    total = np.zeros(len(sites))
    total[~valid] = np.nan
    n_off = 0
    if network:
        assert graph is not None
        total_net, n_off = _network_pool(
            geoms, valid, cell_xy, pop, graph, travel_time_min, access_speed_kmh,
            max_access_m, sl_radius_m)
        total[valid] = total_net[valid]
    else:
        total[valid] = _straight_pool(geoms, np.flatnonzero(valid), cell_xy, pop,
                                      sl_radius_m, len(sites))[valid]
    notes = _notes("network" if network else "straight_line", travel_time_min, speed_kmh,
                   detour_factor, access_speed_kmh, max_access_m, used, field, n_off)
    return as_series(total, sites, label, method="network" if network else "straight_line",
                     note=notes, note_sv=notes["sv"], note_en=notes["en"], field=used,
                     travel_time_min=float(travel_time_min))


# ---------------------------------------------------------------- internals


def _notes(method: str, budget_min: float, speed_kmh: float, detour: float, access_kmh: float,
           max_access_m: float, used: str, asked: str, n_off: int) -> dict[str, str]:
    """Swedish and English notes saying how the labour pool was computed."""
    t_sv, t_en = format_number(budget_min, "sv"), format_number(budget_min, "en")
    if method == "network":
        acc_sv = format_number(access_kmh, "sv")
        km_sv = format_number(max_access_m / 1000, "sv")
        sv = (f"Restid längs vägnätet inom {t_sv} min (anslutning fågelvägen i {acc_sv} km/h, "
              f"högst {km_sv} km)")
        en = (f"Travel time along the road network within {t_en} min (access legs straight line "
              f"at {format_number(access_kmh, 'en')} km/h, at most "
              f"{format_number(max_access_m / 1000, 'en')} km)")
        if n_off:
            sv += f"; {n_off} område(n) långt från väg räknade fågelvägen"
            en += f"; {n_off} site(s) far from any road used the straight line"
    else:
        sv = (f"Fågelvägen × {format_number(detour, 'sv')} omvägsfaktor, "
              f"{format_number(speed_kmh, 'sv')} km/h, inom {t_sv} min (inget vägnät laddat)")
        en = (f"Straight line × {format_number(detour, 'en')} detour factor, "
              f"{format_number(speed_kmh, 'en')} km/h, within {t_en} min (no road network loaded)")
    if used != asked:
        sv += f"; fältet '{asked}' saknas, total befolkning ('{used}') används"
        en += f"; field '{asked}' missing, total population ('{used}') used"
    return {"sv": sv, "en": en}
