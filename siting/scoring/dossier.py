"""The analysis behind a site dossier: catchment, nearby infrastructure and lessons.

:func:`dossier_data` computes everything a dossier shows beyond the
:class:`~siting.scoring.result.SitingResult` itself: the labour pool of the
catchment per municipality (with the road graph when roads are loaded), the
schools within the catchment radius, the nearest infrastructure, the rank
acceptability and what the outcome log teaches (the learning model is fitted
here). The report (:mod:`siting.views.report.dossier`) only lays these numbers out,
so a dossier can never disagree with the ranking it illustrates.

The labour, travel-speed and detour defaults are those of :mod:`siting.metrics.spec`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.errors import SitingError
from siting.criteria.profiles import Profile
from siting.data.layerset import LayerSet
from siting.learn import learn_from_frame, spec_from_profile, win_probability
from siting.learn.result import LearningResult
from siting.metrics.attributes import assign_kommunkod
from siting.metrics.labour import build_road_graph, labour_pool
from siting.metrics.spec import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_LABOUR_FIELD,
    DEFAULT_SPEED_KMH,
    DEFAULT_TRAVEL_MIN,
)
from siting.scoring.exports import SensitivityReport
from siting.scoring.result import SitingResult

__all__ = ["Catchment", "DossierData", "Lessons", "Nearby", "dossier_data", "filter_cases",
           "labour_params", "nearest"]

logger = logging.getLogger(__name__)

_N_SUBSTATIONS = 3
_N_CASES = 5


@dataclass(frozen=True)
class Catchment:
    """The labour catchment of a site.

    Attributes
    ----------
    travel_time_min, radius_m : float
        The travel time and the straight-line radius it corresponds to.
    total : float or None
        Reachable labour (None without a population grid).
    method : {"network", "straight_line"}
    by_municipality : Mapping[str, float]
        Reachable labour per kommunkod (only municipalities contributing some).
    schools : DataFrame
        Schools within the radius: ``name, school_type, industrial_programme,
        kommunkod, distance_m``, nearest first.
    """

    travel_time_min: float
    radius_m: float
    total: float | None
    method: str
    by_municipality: Mapping[str, float]
    schools: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class Nearby:
    """A nearby feature: ``kind`` (substation, rail, terminal, road, port, airport), its
    row of the layer (name and attributes) and its distance in metres."""

    kind: str
    attributes: Mapping[str, Any]
    distance_m: float


@dataclass(frozen=True)
class Lessons:
    """What the outcome log teaches about the site (None fields when not available)."""

    used: bool
    industry: str = ""
    cases: pd.DataFrame | None = field(default=None, repr=False)  # nearest, with distance_m
    learned: LearningResult | None = field(default=None, repr=False)
    p_win: float | None = None
    p_low: float | None = None
    p_high: float | None = None
    failure: str = ""
    n_confidential_excluded: int = 0
    confidential_included: bool = False


@dataclass(frozen=True)
class DossierData:
    """Everything computed for one site's dossier."""

    result: SitingResult
    site_id: str
    index: Any
    catchment: Catchment
    nearby: tuple[Nearby, ...]
    lessons: Lessons
    sensitivity: SensitivityReport


def labour_params(profile: Profile) -> dict[str, Any]:
    """Travel time, speed, detour factor and field of the profile's labour metric
    (the defaults of :mod:`siting.metrics.spec` without one)."""
    for spec in profile.metrics:
        if spec.kind == "labour_pool":
            p = dict(spec.params)
            return {"travel_time_min": float(p.get("travel_time_min", DEFAULT_TRAVEL_MIN)),
                    "speed_kmh": float(p.get("speed_kmh", DEFAULT_SPEED_KMH)),
                    "detour_factor": float(p.get("detour_factor", DEFAULT_DETOUR_FACTOR)),
                    "field": str(p.get("field", DEFAULT_LABOUR_FIELD))}
    return {"travel_time_min": DEFAULT_TRAVEL_MIN, "speed_kmh": DEFAULT_SPEED_KMH,
            "detour_factor": DEFAULT_DETOUR_FACTOR, "field": DEFAULT_LABOUR_FIELD}


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def nearest(layer: gpd.GeoDataFrame | None, geom: Any, n: int = 1,
            mask: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Positions and distances (m) of the ``n`` features nearest to ``geom``."""
    if layer is None or len(layer) == 0:
        return []
    geoms = np.asarray(layer.geometry.values, dtype=object)
    pos = np.arange(len(layer))
    if mask is not None:
        pos = pos[mask]
    if len(pos) == 0:
        return []
    if n == 1 and mask is None:
        idx, dist = layer.sindex.nearest(geom, return_all=False, return_distance=True)
        return [(int(idx[1][0]), float(dist[0]))]
    dist = shapely.distance(geoms[pos], geom)
    order = np.argsort(dist, kind="stable")[:n]
    return [(int(pos[i]), float(dist[i])) for i in order]


def _rows(kind: str, layer: gpd.GeoDataFrame, hits: list[tuple[int, float]]) -> list[Nearby]:
    return [Nearby(kind, {k: v for k, v in layer.iloc[pos].items() if k != "geometry"}, dist)
            for pos, dist in hits]


def nearby_infrastructure(geom: Any, layerset: LayerSet) -> tuple[Nearby, ...]:
    """The nearest >= 130 kV substations, railway, terminal, major road, ports, airport."""
    out: list[Nearby] = []
    subs = layerset.vector("substations")
    if subs is not None and len(subs):
        kv = _num(subs, "voltage_kv")
        mask = kv >= 130 if (kv >= 130).any() else np.ones(len(subs), bool)
        out += _rows("substation", subs, nearest(subs, geom, _N_SUBSTATIONS, mask))
    for kind, type_name in (("rail", "railways"), ("terminal", "rail_terminals")):
        layer = layerset.vector(type_name)
        if layer is not None:
            out += _rows(kind, layer, nearest(layer, geom))
    roads = layerset.vector("roads")
    if roads is not None and len(roads):
        major = _num(roads, "road_class") <= 3
        out += _rows("road", roads, nearest(roads, geom, 1, major if major.any() else None))
    ports = layerset.vector("ports")
    if ports is not None and len(ports):
        out += _rows("port", ports, nearest(ports, geom, 2, np.ones(len(ports), bool)))
    air = layerset.vector("airports")
    if air is not None:
        out += _rows("airport", air, nearest(air, geom))
    return tuple(out)


def catchment(site: gpd.GeoDataFrame, profile: Profile, layerset: LayerSet) -> Catchment:
    """Labour pool per municipality and the schools within the catchment radius."""
    params = labour_params(profile)
    minutes = params["travel_time_min"]
    radius_m = params["speed_kmh"] * 1000.0 / 60.0 * minutes / params["detour_factor"]
    pop = layerset.vector("population_grid")
    muni = layerset.municipalities
    pool_by: dict[str, float] = {}
    total: float | None = None
    method = "straight_line"
    if pop is not None and len(pop):
        roads = layerset.vector("roads")
        graph = build_road_graph(roads, default_speed_kmh=params["speed_kmh"]) \
            if roads is not None and len(roads) else None
        kw = {k: params[k] for k in ("travel_time_min", "speed_kmh", "detour_factor", "field")}
        whole = labour_pool(site, pop, graph=graph, **kw)
        total = float(whole.iloc[0])
        method = str(whole.attrs.get("method", method))
        cells = gpd.GeoDataFrame({"_i": np.arange(len(pop))},
                                 geometry=pop.geometry.representative_point().to_numpy(),
                                 crs=pop.crs)
        joined = gpd.sjoin(cells, muni[["kommunkod", "geometry"]], how="left",
                           predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        codes = joined["kommunkod"].astype("string").fillna("").to_numpy()
        for code in sorted(set(codes)):
            part = pop.iloc[np.flatnonzero(codes == code)]
            value = float(labour_pool(site, part, graph=graph, **kw).iloc[0])
            if value > 0 and code:
                pool_by[str(code)] = value
    return Catchment(minutes, radius_m, total, method, pool_by,
                     _schools_near(site.geometry.iloc[0], layerset, radius_m))


def _schools_near(geom: Any, layerset: LayerSet, radius_m: float) -> pd.DataFrame:
    cols = ["name", "school_type", "industrial_programme", "kommunkod", "distance_m"]
    schools = layerset.vector("schools")
    if schools is None or not len(schools):
        return pd.DataFrame(columns=cols)
    dist = shapely.distance(np.asarray(schools.geometry.values, dtype=object), geom)
    near = schools.iloc[np.flatnonzero(dist <= radius_m)].copy()
    near["distance_m"] = dist[dist <= radius_m]
    if len(near) and ("kommunkod" not in near or near["kommunkod"].isna().all()):
        near["kommunkod"] = assign_kommunkod(near, layerset.municipalities)
    for col in cols:
        if col not in near:
            near[col] = None
    return pd.DataFrame(near[cols]).sort_values("distance_m", kind="stable") \
        .reset_index(drop=True)


def filter_cases(cases: pd.DataFrame | None, *, industry: str | None = None,
                 include_confidential: bool = False) -> tuple[pd.DataFrame, int]:
    """Cases usable in a dossier, and how many confidential ones were left out.

    Parameters
    ----------
    cases : DataFrame or None
        A case frame (contracts §D, :func:`siting.outcomes.cases_to_frame`).
    industry : str, optional
        Keep only this industry.
    include_confidential : bool
        Keep cases whose ``confidentiality`` is ``confidential`` (default: drop them).
    """
    if cases is None or len(cases) == 0:
        return pd.DataFrame(), 0
    frame = cases
    if industry is not None and "industry" in frame:
        frame = frame[frame["industry"].astype(str).to_numpy() == industry]
    conf = frame["confidentiality"].astype(str).str.strip().str.lower().to_numpy() \
        if "confidentiality" in frame else np.full(len(frame), "public")
    secret = conf == "confidential"
    if include_confidential:
        return frame.copy(), 0
    return frame[~secret].copy(), int(secret.sum())


def lessons(result: SitingResult, idx: Any, cases: pd.DataFrame | None, *,
            include_confidential: bool = False, withheld: int = 0,
            learn_options: Mapping[str, Any] | None = None) -> Lessons:
    """The nearest comparable cases and the learned win probability of the site."""
    if cases is None:
        return Lessons(used=False)
    industry = str(result.profile.industry)
    frame, n_secret = filter_cases(cases, industry=industry,
                                   include_confidential=include_confidential)
    base: dict[str, Any] = {"used": True, "industry": industry,
                            "n_confidential_excluded": n_secret + int(withheld),
                            "confidential_included": include_confidential}
    if frame.empty:
        return Lessons(**base)
    c = result.sites.geometry.loc[idx].representative_point()
    dist = np.hypot(_num(frame, "x") - c.x, _num(frame, "y") - c.y)
    order = np.argsort(np.where(np.isfinite(dist), dist, np.inf), kind="stable")[:_N_CASES]
    near = frame.iloc[order].assign(distance_m=dist[order])
    try:
        learned = learn_from_frame(frame, spec_from_profile(result.profile),
                                   **dict(learn_options or {"n_boot": 100,
                                                            "compare_trees": False}))
        prob = win_probability(learned, result.table.loc[[idx]], level=learned.interval_level)
    except (SitingError, ValueError) as exc:  # too few/degenerate cases: say so, keep going
        logger.info("no lessons for %s: %s", result.table.at[idx, "site_id"], exc)
        return Lessons(**base, cases=near, failure=str(exc).splitlines()[0])
    p = prob.iloc[0]
    return Lessons(**base, cases=near, learned=learned, p_win=float(p["p_win"]),
                   p_low=float(p["p_low"]), p_high=float(p["p_high"]))


def dossier_data(result: SitingResult, site_id: str, layerset: LayerSet, *,
                 cases: pd.DataFrame | None = None, include_confidential: bool = False,
                 confidential_withheld: int = 0, n_draws: int = 2000,
                 learn_options: Mapping[str, Any] | None = None,
                 sensitivity: SensitivityReport | None = None) -> DossierData:
    """Compute everything the dossier of ``site_id`` shows.

    Raises
    ------
    ScoringError
        Unknown site id (the closest ids are suggested).
    """
    idx = result.site_index(site_id)
    sens = sensitivity if sensitivity is not None else result.sensitivity(n_draws=n_draws)
    site = result.sites.loc[[idx]]
    return DossierData(
        result=result, site_id=str(site_id), index=idx,
        catchment=catchment(site, result.profile, layerset),
        nearby=nearby_infrastructure(site.geometry.iloc[0], layerset),
        lessons=lessons(result, idx, cases, include_confidential=include_confidential,
                        withheld=0 if include_confidential else confidential_withheld,
                        learn_options=learn_options),
        sensitivity=sens)
