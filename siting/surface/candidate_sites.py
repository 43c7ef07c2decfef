"""Candidate sites where a dataset has none: named candidate areas plus brownfield sites.

On real data there is no layer of candidate sites. :func:`candidate_sites`
turns the suitability surface's candidate areas (:mod:`siting.surface.candidates`)
into named sites, e.g. ``"Skellefteå – område 3: 212 ha, 4 km NO om
Skellefteå"`` (the place is the municipality's largest tätort, its
*centralort* by population), and adds the dataset's large industrial sites in
the study area as brownfield candidates (points). The result has the
canonical ``sites`` columns, so ranking, site details, the map, the
comparison and the dossier treat these sites exactly as drawn ones.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.i18n import format_number, t

__all__ = ["AREA_PERCENTILE", "DEFAULT_RESOLUTION_M", "MAX_SITE_AREA_HA", "MAX_AREAS_PER_MUNICIPALITY", "candidate_sites",
           "compass_direction"]

logger = logging.getLogger(__name__)

#: Cell size of the surface that candidate areas come from, metres.
DEFAULT_RESOLUTION_M = 100.0
#: Candidate areas are the cells scoring at least this percentile of their municipality's
#: suitable cells (judgement: the best tenth, so that areas are sites rather than regions;
#: per municipality, so that every municipality of a county gets its own best areas).
AREA_PERCENTILE = 90.0
#: Where a municipality's largest area exceeds this (ha), the threshold is raised
#: (95th, 98th, 99.5th percentile) until its areas are site-sized (judgement).
MAX_SITE_AREA_HA = 1_000.0
_STEPS = (95.0, 98.0, 99.5)
#: At most this many candidate areas per municipality (best first).
MAX_AREAS_PER_MUNICIPALITY = 10

_DIRECTIONS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def compass_direction(dx_m: float, dy_m: float) -> str:
    """The 8-point compass direction of an offset (east ``dx_m``, north ``dy_m``).

    >>> compass_direction(1000, 1000), compass_direction(0, -5), compass_direction(-3, 0.1)
    ('NE', 'S', 'W')
    """
    angle = (np.degrees(np.arctan2(dx_m, dy_m)) + 360.0) % 360.0
    return _DIRECTIONS[int(((angle + 22.5) % 360.0) // 45.0)]


def _central_places(layerset: Any, municipalities: gpd.GeoDataFrame
                    ) -> dict[str, tuple[str, shapely.Point]]:
    """Per kommunkod: the name and point of its most populous tätort (else the kommun itself)."""
    out = {str(r.kommunkod): (str(r.name), r.geometry.representative_point())
           for r in municipalities.itertuples()}
    pop = layerset.vector("population_grid")
    if pop is None or not {"kommunkod", "name", "population"} <= set(pop.columns):
        return out
    ranked = pop.assign(_p=pd.to_numeric(pop["population"], errors="coerce")).sort_values(
        "_p", ascending=False, kind="stable")
    for code, grp in ranked.groupby(ranked["kommunkod"].astype(str), sort=False):
        if code in out:
            out[code] = (str(grp["name"].iloc[0]), grp.geometry.iloc[0])
    return out


def _clip_exclusions(areas: gpd.GeoDataFrame, profile: Any, layerset: Any) -> gpd.GeoDataFrame:
    """Cut from each area the parts of layers a hard criterion allows no overlap with.

    The surface tests a cell by its centre, so an area's cell edges may reach a
    few metres into a nature reserve; such a sliver would fail a "no overlap"
    criterion although the area was drawn from passing cells.
    """
    from siting.metrics.filters import apply_filter

    metrics = {m.id: m for m in profile.metrics}
    for crit in profile.hard:
        spec = metrics.get(crit.metric)
        if (spec is None or spec.kind != "overlap_share" or crit.op not in {"==", "<="}
                or crit.threshold != 0):
            continue
        layer = layerset.vector(str(spec.params.get("layer")))
        if layer is None or not len(layer):
            continue
        layer = apply_filter(layer, spec.params.get("filter"), source=f"metric '{spec.id}'")
        tree = shapely.STRtree(layer.geometry.to_numpy())
        geoms = areas.geometry.to_numpy().copy()
        for i, geom in enumerate(geoms):
            hits = tree.query(geom, predicate="intersects")
            if len(hits):
                cut = shapely.difference(geom, shapely.union_all(layer.geometry.to_numpy()[hits]))
                geoms[i] = shapely.make_valid(cut)
        areas = areas.set_geometry(geoms, crs=areas.crs)
        areas["area_ha"] = shapely.area(geoms) / 10_000.0
    return areas[~areas.geometry.is_empty]


def _site_sized_areas(surface: Any, percentile: float, max_area_ha: float) -> gpd.GeoDataFrame:
    """Candidate areas per municipality at the lowest threshold giving site-sized areas.

    A flat surface makes one huge area at a low threshold; for each municipality the
    percentile is raised step by step until its largest area is at most
    ``max_area_ha`` (or the last step that still leaves it an area is kept).
    """
    from siting.surface.candidates import candidate_areas

    chosen: dict[str, gpd.GeoDataFrame] = {}
    for pct in (percentile, *(p for p in _STEPS if p > percentile)):
        areas = candidate_areas(surface, percentile=pct, percentile_per_municipality=True)
        for code, grp in areas.groupby(areas["kommunkod"].astype(str), sort=False):
            if code in chosen and chosen[code]["area_ha"].max() <= max_area_ha:
                continue
            chosen[code] = grp
        if all(g["area_ha"].max() <= max_area_ha for g in chosen.values()):
            break
    if not chosen:
        return candidate_areas(surface, percentile=percentile, percentile_per_municipality=True)
    out = pd.concat(chosen.values()).sort_values(["score_mean", "area_ha"], ascending=False,
                                                 kind="stable")
    return gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=surface.crs)


def _area_names(areas: gpd.GeoDataFrame, places: dict[str, tuple[str, shapely.Point]],
                lang: str) -> list[str]:
    names = []
    for row in areas.itertuples():
        kommun = str(row.name)
        place, point = places.get(str(row.kommunkod), (kommun, row.geometry.centroid))
        centre = row.geometry.representative_point()
        dist_m = float(point.distance(row.geometry))
        area = format_number(round(float(row.area_ha)), lang)
        if dist_m < 500.0:
            names.append(t("candidate_sites.area_name_here", lang, kommun=kommun, n=row.n,
                           area_ha=area, place=place))
            continue
        direction = t(f"candidate_sites.dir_{compass_direction(centre.x - point.x, centre.y - point.y)}",
                      lang)
        names.append(t("candidate_sites.area_name", lang, kommun=kommun, n=row.n, area_ha=area,
                       dist_km=format_number(round(dist_m / 1000.0), lang), direction=direction,
                       place=place))
    return names


def _brownfield(layerset: Any, study: set[str], names: dict[str, str], lang: str
                ) -> gpd.GeoDataFrame | None:
    sites = layerset.vector("industrial_sites")
    if sites is None or not len(sites) or "kommunkod" not in sites.columns:
        return None
    sites = sites[sites["kommunkod"].astype(str).isin(study)]
    if not len(sites):
        return None
    label = sites["name"] if "name" in sites.columns else pd.Series("", index=sites.index)
    company = sites["company"] if "company" in sites.columns else label
    rows = []
    for code, grp in sites.groupby(sites["kommunkod"].astype(str), sort=True):
        for n, idx in enumerate(grp.index, start=1):
            what = str(label.loc[idx] or company.loc[idx])
            rows.append({"site_id": f"{code}-I{n:02d}",
                         "name": t("candidate_sites.brownfield_name", lang,
                                   kommun=names.get(code, code), name=what),
                         "kommunkod": code, "area_ha": np.nan, "site_kind": "brownfield",
                         "geometry": grp.geometry.loc[idx]})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=sites.crs)


def candidate_sites(profile: Any, layerset: Any, *, resolution_m: float = DEFAULT_RESOLUTION_M,
                    max_per_municipality: int = MAX_AREAS_PER_MUNICIPALITY,
                    brownfield: bool = True, percentile: float = AREA_PERCENTILE,
                    lang: str = "sv") -> gpd.GeoDataFrame:
    """Named candidate sites of the study area: surface candidate areas plus brownfield sites.

    Parameters
    ----------
    profile : Profile
        The establishment profile (its hard criteria and minimum area shape the areas).
    layerset : LayerSet
        Loaded layers of the study area.
    resolution_m : float
        Cell size of the suitability surface, metres.
    max_per_municipality : int
        Best candidate areas kept per municipality.
    percentile : float
        Cells scoring at least this percentile of their municipality's suitable cells
        form areas.
    brownfield : bool
        Add the ``industrial_sites`` of the study area as point candidates.
    lang : {"sv", "en"}
        Language of the names.

    Returns
    -------
    GeoDataFrame
        EPSG:3006: ``site_id`` (``<kommunkod>-O<nn>`` for areas, ``-I<nn>`` for
        brownfield sites), ``name``, ``kommunkod``, ``area_ha``, ``site_kind``
        ("area" | "brownfield"), ``score_mean`` (the surface's mean cell score of
        an area), geometry.
    """
    from siting.surface import suitability_surface

    surface = suitability_surface(profile, layerset, resolution_m=resolution_m)
    areas = _site_sized_areas(surface, percentile, max(MAX_SITE_AREA_HA, profile.min_area_ha))
    study = set(layerset.region.kommunkoder)
    areas = areas[areas["kommunkod"].astype(str).isin(study)].copy()
    areas["n"] = areas.groupby("kommunkod").cumcount() + 1
    areas = _clip_exclusions(areas[areas["n"] <= max_per_municipality], profile, layerset)
    places = _central_places(layerset, layerset.municipalities)
    frames = []
    if len(areas):
        frames.append(gpd.GeoDataFrame({
            "site_id": [f"{k}-O{n:02d}" for k, n in zip(areas["kommunkod"], areas["n"],
                                                       strict=True)],
            "name": _area_names(areas, places, lang),
            "kommunkod": areas["kommunkod"].astype(str).to_numpy(),
            "area_ha": areas["area_ha"].to_numpy(dtype=float),
            "site_kind": "area",
            "score_mean": areas["score_mean"].to_numpy(dtype=float),
        }, geometry=areas.geometry.to_numpy(), crs=areas.crs))
    if brownfield:
        muni_names = {str(r.kommunkod): str(r.name) for r in layerset.municipalities.itertuples()}
        extra = _brownfield(layerset, study, muni_names, lang)
        if extra is not None:
            frames.append(extra.to_crs(surface.crs))
    if not frames:
        return gpd.GeoDataFrame({"site_id": [], "name": [], "kommunkod": [], "area_ha": [],
                                 "site_kind": [], "score_mean": []}, geometry=[],
                                crs=surface.crs)
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=surface.crs)
    logger.info("%d candidate sites (%d areas, %d brownfield)", len(out),
                int((out["site_kind"] == "area").sum()),
                int((out["site_kind"] == "brownfield").sum()))
    return out
