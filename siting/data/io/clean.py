"""Geometry policy for loaded layers: drop empty, drop Z, repair or reject invalid.

Repairing or rejecting invalid geometry is an explicit choice (``invalid =
"repair" | "reject"``), never silent: repairs and drops are counted in the
layer's load notes.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from siting.core.errors import DataError, GeometryError, format_locations

__all__ = ["GEOMETRY_TYPES", "InvalidPolicy", "clean_geometries"]

InvalidPolicy = Literal["repair", "reject"]

#: Shapely geometry types allowed for each catalogue geometry kind.
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "point": ("Point", "MultiPoint"),
    "line": ("LineString", "MultiLineString", "LinearRing"),
    "polygon": ("Polygon", "MultiPolygon"),
}


def _keep_kind(geom: BaseGeometry, kind: str) -> BaseGeometry:
    """The parts of a (repaired) geometry that are of ``kind``; empty when none."""
    allowed = GEOMETRY_TYPES[kind]
    if geom.geom_type in allowed:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in allowed and not p.is_empty]
    if not parts:
        return shapely.Polygon() if kind == "polygon" else shapely.LineString()
    merged = shapely.union_all(parts)
    return merged


def clean_geometries(gdf: gpd.GeoDataFrame, kind: str, *, invalid: InvalidPolicy = "repair",
                     source: str = "", location_word: str = "feature"
                     ) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """Apply the geometry policy to a layer.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer; its index names features in messages.
    kind : {"point", "line", "polygon"}
        The catalogue geometry kind; other geometry types are an error.
    invalid : {"repair", "reject"}
        ``repair`` fixes invalid geometries with :func:`shapely.make_valid`
        (keeping the parts of the layer's kind); ``reject`` raises.
    source : str
        The file, for messages.
    location_word : str
        ``"feature"`` or ``"row"``.

    Returns
    -------
    (gdf, notes)
        The cleaned copy and plain-language notes (drops, repairs).

    Raises
    ------
    GeometryError
        With ``invalid="reject"`` and invalid geometries, naming them.
    DataError
        Geometries of the wrong kind (e.g. points in a polygon layer).
    """
    if invalid not in ("repair", "reject"):
        raise ValueError(f"invalid must be 'repair' or 'reject', not {invalid!r}")
    notes: list[str] = []
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        notes.append(f"{int(empty.sum())} empty or missing geometries dropped")
        gdf = gdf.loc[~empty]
        geoms = gdf.geometry.to_numpy()
    if len(gdf) and shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
        notes.append("Z coordinates dropped (analysis is 2-D)")

    allowed = GEOMETRY_TYPES.get(kind)
    if allowed is not None and len(gdf):
        types = shapely.get_type_id(geoms)
        names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                          "MultiLineString", "MultiPolygon", "GeometryCollection"])[types]
        wrong = ~np.isin(names, allowed)
        if wrong.any():
            idx = list(gdf.index[wrong])
            found = ", ".join(sorted(set(names[wrong])))
            raise DataError.keyed("problem.geometry.wrong_kind", source,
                                  location=format_locations(idx, location_word),
                                  n=int(wrong.sum()), found=found, kind=kind)

    if len(gdf):
        bad = ~shapely.is_valid(geoms)
        if bad.any():
            idx = list(gdf.index[bad])
            if invalid == "reject":
                reasons = [shapely.is_valid_reason(g) for g in geoms[bad][:3]]
                raise GeometryError.keyed("problem.geometry.invalid", source,
                                          location=format_locations(idx, location_word),
                                          n=int(bad.sum()), reasons="; ".join(reasons))
            fixed = shapely.make_valid(geoms[bad])
            if kind in GEOMETRY_TYPES:
                fixed = np.array([_keep_kind(g, kind) for g in fixed], dtype=object)
            geoms = geoms.copy()
            geoms[bad] = fixed
            gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
            notes.append(f"{int(bad.sum())} invalid geometries repaired")
            now_empty = shapely.is_empty(geoms)
            if now_empty.any():
                gdf = gdf.loc[~now_empty]
                notes.append(f"{int(now_empty.sum())} geometries dropped: nothing of kind "
                             f"'{kind}' was left after repair")
    return gdf, tuple(notes)
