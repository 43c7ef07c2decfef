"""Load a catalogue's layers for a region: EPSG:3006, canonical fields, clean geometry.

:func:`load_layerset` is what the app, the CLI and the reports call. It

1. reads the catalogue's (first) ``municipalities`` layer whole and resolves
   the region against it;
2. reads every other layer once, prefiltered to the region extent (study
   area + neighbourhood buffer) with pyogrio's ``bbox=``, then keeps the
   features that intersect the extent *whole* (geometries are not cut, so
   lengths and areas stay true);
3. gives sites a ``kommunkod`` where the file has none (spatial join on the
   representative point; the nearest municipality for coastal misses) and
   ``area_ha`` from the polygon area, then keeps only the sites of the study
   area itself (candidate sites are the region's own);
4. keeps tables (``municipality_stats`` ...) whole, so neighbours' attributes
   are available;
5. collects the problems of every layer and raises once.

Examples
--------
>>> from siting.data.layers import load_layerset
>>> ls = load_layerset("demo", region="9901")
>>> ls.vector("substations").crs.to_epsg()
3006
>>> ls.region.label, ls.region.buffer_m
('Norrvik', 50000.0)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from shapely.geometry.base import BaseGeometry

from siting.core.crs import ANALYSIS_CRS, crs_label, to_analysis_crs
from siting.core.errors import CatalogError, DataError, Problem, SitingError
from siting.data.catalog import Catalog, LayerSpec, load_catalog
from siting.data.fields import canonicalize, normalize_kommunkod
from siting.data.io import file_format
from siting.data.io.clean import InvalidPolicy, clean_geometries
from siting.data.io.raster import ResamplingName, read_raster
from siting.data.io.tabular import points_from_table, read_csv
from siting.data.io.vector import gdal_path, read_vector
from siting.data.layerset import LayerSet, LoadedLayer, LoadReport, Region
from siting.data.region import RegionSpec, resolve_region

__all__ = ["DEFAULT_BUFFER_M", "load_layerset", "missing_inputs", "read_layer"]

logger = logging.getLogger(__name__)

#: Default neighbourhood buffer around the study area, metres.
DEFAULT_BUFFER_M = 50_000.0

_RASTER_UNITS = {"slope": "percent", "land_cover": "class"}
_RASTER_RESAMPLING: dict[str, ResamplingName] = {"slope": "bilinear"}


def _find(name: str, dirs: tuple[Path, ...]) -> Path | None:
    """The first existing ``dirs[i] / name`` (or ``name`` itself when absolute)."""
    p = Path(name)
    if p.is_absolute():
        return p if p.exists() else None
    for d in dirs:
        if (d / p).exists():
            return d / p
    return None


def _path(spec: LayerSpec, dirs: Path | tuple[Path, ...]) -> Path:
    """The layer's file in the first data folder holding it (else where it was expected)."""
    dirs = (dirs,) if isinstance(dirs, Path) else dirs
    found = _find(spec.source, dirs)
    return found if found is not None else dirs[0] / spec.source


def missing_inputs(spec: LayerSpec, dirs: tuple[Path, ...]) -> tuple[str, ...]:
    """The files of a layer (its source, or a built layer's inputs) found in no data folder."""
    names = tuple(spec.inputs.values()) if spec.build else (spec.source,)
    return tuple(n for n in names if _find(n, dirs) is None)


def _text_columns(spec: LayerSpec) -> tuple[str, ...]:
    cols = {"kommunkod", "lanskod"}
    for canon in ("kommunkod", "lanskod"):
        if canon in spec.fields:
            cols.add(spec.fields[canon])
    return tuple(sorted(cols))


def _dissolve_parts(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Municipality layers often come as single parts (several rows per code): merge them."""
    col = spec.fields.get("kommunkod", "kommunkod")
    if col not in gdf.columns or not len(gdf):
        return gdf, []
    codes = pd.Series([normalize_kommunkod(v) for v in gdf[col]], index=gdf.index)
    if codes.isna().any() or not codes.duplicated().any():
        return gdf, []
    n_before = len(gdf)
    geom_name = gdf.geometry.name
    first = ~codes.duplicated(keep="first")
    merged = gdf.loc[first.to_numpy()].copy()
    unions = {code: shapely.union_all(grp.to_numpy())
              for code, grp in gdf.geometry.groupby(codes.to_numpy())}
    merged[geom_name] = [unions[c] for c in codes[first.to_numpy()]]
    merged = merged.set_geometry(geom_name, crs=gdf.crs)
    return merged, [f"{n_before} features are parts of {len(merged)} municipalities: "
                    "parts merged per kommunkod"]


def _cached(cache: dict[tuple[Any, ...], Any] | None, key: tuple[Any, ...],
            read: Callable[[], Any]) -> Any:
    """Read through a per-load cache, so a file shared by several layers is read once."""
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]


def _read_vector_layer(spec: LayerSpec, path: Path, extent: BaseGeometry | None,
                       invalid: InvalidPolicy, cache: dict[tuple[Any, ...], Any] | None = None,
                       built: tuple[gpd.GeoDataFrame, list[str]] | None = None
                       ) -> tuple[gpd.GeoDataFrame, int, int, str | None, list[str]]:
    notes: list[str] = []
    src = str(path)
    bbox = tuple(extent.bounds) if extent is not None else None
    source_crs: str | None
    if built is not None:
        gdf, more = built
        notes.extend(more)
        n_read, source_crs, word = len(gdf), "EPSG:3006", "feature"
    elif file_format(path) == "csv":
        if spec.coords is None:
            raise CatalogError.keyed("problem.layer.csv_no_coords", src, field="coords",
                                     layer=spec.id, kind=spec.kind)
        data = _read_csv_cached(spec, path, cache, notes)
        gdf = points_from_table(data, spec.coords.x, spec.coords.y, spec.crs, src)
        n_read, source_crs, word = len(gdf), crs_label(spec.crs) if spec.crs else None, "row"
    else:
        read = _cached(cache, ("vector", src, spec.layer, spec.encoding, spec.crs, bbox),
                       lambda: read_vector(path, layer=spec.layer,
                                           bbox_3006=bbox,
                                           encoding=spec.encoding, declared_crs=spec.crs))
        gdf, n_read, word = read.data, read.n_total, "feature"
        source_crs = crs_label(spec.crs) if spec.crs else read.source_crs
    n_rows = len(gdf)
    if spec.type == "municipalities":
        gdf, more = _dissolve_parts(gdf, spec)
        notes.extend(more)
    gdf, field_notes = canonicalize(gdf, spec.type, fields=spec.fields, defaults=spec.defaults,
                                    allow_missing=spec.allow_missing, source=src,
                                    layer_id=spec.id, location_word=word)  # type: ignore[arg-type]
    notes.extend(field_notes)
    gdf = gpd.GeoDataFrame(gdf, geometry=gdf.geometry.name, crs=gdf.crs)
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if len(gdf) and not empty.all():
        gdf = to_analysis_crs(gdf, source=src, declared=spec.crs)
    elif spec.crs is not None or gdf.crs is not None:
        gdf = gdf.set_crs(spec.crs or gdf.crs, allow_override=True).to_crs(ANALYSIS_CRS)
    else:
        gdf = gdf.set_crs(ANALYSIS_CRS)
    gdf, geom_notes = clean_geometries(gdf, spec.kind, invalid=invalid, source=src,
                                       location_word=word)
    notes.extend(geom_notes)
    return gdf, n_read, n_read - n_rows, source_crs, notes


def _read_csv_cached(spec: LayerSpec, path: Path, cache: dict[tuple[Any, ...], Any] | None,
                     notes: list[str]) -> pd.DataFrame:
    """Read a catalogue CSV once per load (sniffed encoding, separator, decimal comma)."""
    table = _cached(cache, ("csv", str(path), spec.encoding, _text_columns(spec)),
                    lambda: read_csv(path, encoding=spec.encoding,
                                     text_columns=_text_columns(spec)))
    notes.extend(table.format.notes)
    if table.decimal_comma_columns:
        notes.append("decimal comma read in: " + ", ".join(table.decimal_comma_columns))
    return table.data


def _read_table(spec: LayerSpec, path: Path, cache: dict[tuple[Any, ...], Any] | None = None
                ) -> tuple[pd.DataFrame, list[str]]:
    src = str(path)
    notes: list[str] = []
    if file_format(path) == "csv":
        df = _read_csv_cached(spec, path, cache, notes)
    else:
        if not path.exists():
            raise DataError.keyed("problem.file.not_found", src)
        try:
            df = pyogrio.read_dataframe(gdal_path(path), layer=spec.layer, read_geometry=False,
                                        encoding=spec.encoding)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
            logger.info("table %s unreadable: %s", src, exc)  # the detail for the log only
            raise DataError.keyed("problem.table.unreadable", src) from exc
        df = pd.DataFrame(df).reset_index(drop=True)
        if df.empty:
            raise DataError.keyed("problem.table.no_table_rows", src)
    out, field_notes = canonicalize(df, spec.type, fields=spec.fields, defaults=spec.defaults,
                                    allow_missing=spec.allow_missing, source=src,
                                    layer_id=spec.id, location_word="row")
    notes.extend(field_notes)
    return pd.DataFrame(out), notes


def _build(spec: LayerSpec, dirs: tuple[Path, ...], extent: BaseGeometry | None
           ) -> tuple[gpd.GeoDataFrame, list[str]] | None:
    """Run a built layer's builder over its inputs found in the data folders."""
    from siting.data.derived import build_layer

    inputs = {role: _find(name, dirs) for role, name in spec.inputs.items()}
    gdf, notes = build_layer(str(spec.build), inputs,
                             bbox_3006=tuple(extent.bounds) if extent is not None else None,
                             source=f"layer '{spec.id}'")
    return None if gdf is None else (gdf, notes)


def _load(spec: LayerSpec, data_dir: Path | tuple[Path, ...], *, invalid: InvalidPolicy,
          extent: BaseGeometry | None,
          cache: dict[tuple[Any, ...], Any] | None = None) -> LoadedLayer:
    dirs = (data_dir,) if isinstance(data_dir, Path) else data_dir
    path = _path(spec, dirs)
    src = str(path)
    built = None
    if spec.build:
        built = _build(spec, dirs, extent)
        if built is None:
            raise DataError.keyed("problem.layer.no_inputs", f"layer '{spec.id}'",
                                  field="inputs", files=", ".join(spec.inputs.values()))
        src = f"{spec.source} ({', '.join(spec.inputs.values())})"
    if spec.kind == "table":
        df, notes = _read_table(spec, path, cache)
        return LoadedLayer(spec=spec, data=df,
                           report=LoadReport(src, len(df), len(df), None, tuple(notes)))
    if spec.kind == "raster":
        units = spec.units.get("value", _RASTER_UNITS.get(spec.type, ""))
        read = read_raster(path, bounds_3006=tuple(extent.bounds) if extent is not None else None,
                           declared_crs=spec.crs, units=units,
                           resampling=_RASTER_RESAMPLING.get(spec.type, "nearest"))
        n = int(np.prod(read.source_shape))
        rep = LoadReport(src, n, int(np.isfinite(read.data.array).sum()), read.source_crs,
                         read.notes)
        return LoadedLayer(spec=spec, data=read.data, report=rep)

    gdf, n_read, n_prefiltered, source_crs, notes = _read_vector_layer(
        spec, path, extent, invalid, cache, built)
    if spec.type == "sites":
        gdf, more = _site_areas(gdf)
        notes.extend(more)
    if extent is not None:
        keep = np.zeros(len(gdf), dtype=bool)
        if len(gdf):
            keep[gdf.sindex.query(extent, predicate="intersects")] = True
        outside = n_prefiltered + int((~keep).sum())
        gdf = gdf.loc[keep]
        if outside and spec.type != "sites":
            notes.append(f"{outside} of {n_read} features lie outside the region extent "
                         "(study area + buffer) and were left out")
    return LoadedLayer(spec=spec, data=gdf,
                       report=LoadReport(src if built else str(path), n_read, len(gdf),
                                         source_crs, tuple(notes)))


def _site_areas(sites: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Give polygon sites ``area_ha`` from their area (EPSG:3006) where the file has none."""
    notes: list[str] = []
    sites = sites.copy()
    polygonal = sites.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if "area_ha" not in sites.columns:
        sites["area_ha"] = np.nan
    need = sites["area_ha"].isna().to_numpy() & polygonal
    if need.any():
        sites.loc[need, "area_ha"] = sites.geometry[need].area / 10_000.0
        notes.append(f"area_ha computed from the polygon area for {int(need.sum())} sites")
    sites["area_ha"] = sites["area_ha"].astype("float64")
    return sites, notes


def _complete_sites(sites: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame
                    ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Give sites a kommunkod (spatial join on the representative point) when absent."""
    notes: list[str] = []
    sites = sites.copy()
    if not len(sites):
        return sites, notes
    if "kommunkod" not in sites.columns:
        sites["kommunkod"] = pd.Series(np.nan, index=sites.index, dtype="str")
    absent = sites["kommunkod"].isna().to_numpy()
    if absent.any():
        reps = gpd.GeoDataFrame(geometry=sites.geometry[absent].representative_point(),
                                crs=sites.crs)
        munis = municipalities[["kommunkod", municipalities.geometry.name]]
        joined = gpd.sjoin(reps, munis, how="left", predicate="within")
        codes = joined.loc[~joined.index.duplicated(keep="first"), "kommunkod"].astype(object)
        missing = codes.isna()
        if missing.any():
            near = gpd.sjoin_nearest(reps.loc[missing.to_numpy()], munis, how="left")
            near = near.loc[~near.index.duplicated(keep="first"), "kommunkod"]
            codes.loc[near.index] = near
            notes.append(f"{int(missing.sum())} sites outside every municipality polygon got "
                         "the nearest municipality's kommunkod")
        filled = sites["kommunkod"].astype(object)
        filled.loc[codes.index] = codes
        sites["kommunkod"] = pd.Series(filled.tolist(), index=sites.index, dtype="str")
        notes.append(f"kommunkod joined from the municipalities layer for {int(absent.sum())} "
                     "sites")
    return sites, notes


def _sites_in_study_area(sites: gpd.GeoDataFrame, region: Region
                         ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Keep the sites whose municipality (given or joined) is in the study area."""
    inside = sites["kommunkod"].isin(set(region.kommunkoder)).to_numpy()
    notes = []
    if (~inside).any():
        notes.append(f"{int((~inside).sum())} sites outside the study area left out")
    return sites.loc[inside], notes


def read_layer(spec: LayerSpec, data_dir: str | Path | tuple[Path, ...], *,
               invalid: InvalidPolicy = "repair") -> LoadedLayer:
    """Read one catalogue layer whole: EPSG:3006, canonical fields, clean geometry.

    Parameters
    ----------
    spec : LayerSpec
        The catalogue entry.
    data_dir : str, Path or tuple of Path
        The folder the entry's ``source`` is relative to, or the folders to look
        in, first hit wins (:meth:`siting.data.catalog.Catalog.search_dirs`).
    invalid : {"repair", "reject"}
        What to do with invalid geometries.

    Returns
    -------
    LoadedLayer

    Raises
    ------
    DataError, CrsError, GeometryError, CatalogError
        With file, row/feature, field and the fix.
    """
    dirs = data_dir if isinstance(data_dir, tuple) else Path(data_dir)
    return _load(spec, dirs, invalid=invalid, extent=None)


def load_layerset(catalog: Catalog | str | Path, data_dir: str | Path | None = None,
                  region: RegionSpec | Region = "all", buffer_m: float = DEFAULT_BUFFER_M, *,
                  invalid: InvalidPolicy = "repair",
                  layers: Iterable[str] | None = None) -> LayerSet:
    """Load a catalogue for a region.

    Parameters
    ----------
    catalog : Catalog, str or Path
        A loaded catalogue, a shipped catalogue name or a path to one.
    data_dir : str or Path, optional
        The data folder; default the catalogue's ``[catalog] data_dir``.
    region : str, list, Region
        ``"all"``, codes, names, ``"lan:NN"`` (see :mod:`siting.data.region`), or a
        resolved :class:`Region` (then ``buffer_m`` is the region's).
    buffer_m : float
        Neighbourhood buffer in metres around the study area.
    invalid : {"repair", "reject"}
        Geometry policy for every layer.
    layers : iterable of str, optional
        Only these layer ids (the municipalities layer is always loaded).

    Returns
    -------
    LayerSet

    Raises
    ------
    CatalogError
        No ``municipalities`` layer, or unknown ids in ``layers``.
    RegionError
        Unknown municipalities in ``region``.
    DataError
        Problems in one or more layers, all of them at once.

    Long because: it is the one entry that resolves the catalogue, the study area and its buffer,
    loads every layer (derived, raster, vector, table) and records what is missing; each of those
    steps is a call already, and the remaining lines are their shared bookkeeping.
    """
    t0 = time.perf_counter()
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    dirs = cat.search_dirs(data_dir)
    ddir = dirs[0]
    muni_specs = cat.of_type("municipalities")
    if not muni_specs:
        raise CatalogError.single(
            str(cat.path), "the catalogue has no 'municipalities' layer", field="type",
            hint="add a [[layer]] with type = \"municipalities\" (kommun boundaries); regions and "
                 "the kommunkod of sites are built from it")
    muni_spec = muni_specs[0]
    wanted = None if layers is None else list(layers)
    if wanted is not None:
        known = {s.id for s in cat.layers}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise CatalogError.single(str(cat.path), f"no layer(s) {', '.join(unknown)}",
                                      field="layers",
                                      hint=f"use ids from: {', '.join(s.id for s in cat.layers)}")
    cache: dict[tuple[Any, ...], Any] = {}
    muni = _load(muni_spec, dirs, invalid=invalid, extent=None, cache=cache)
    muni_gdf = muni.data
    assert isinstance(muni_gdf, gpd.GeoDataFrame)
    reg = region if isinstance(region, Region) else resolve_region(muni_gdf, region, buffer_m)
    extent = shapely.make_valid(reg.extent)
    shapely.prepare(extent)

    study = set(reg.kommunkoder)
    hits = muni_gdf.sindex.query(extent, predicate="intersects")
    keep = np.zeros(len(muni_gdf), dtype=bool)
    keep[hits] = True
    munis_near = muni_gdf.loc[keep].copy()
    munis_near["in_study_area"] = munis_near["kommunkod"].isin(study).to_numpy()
    loaded: dict[str, LoadedLayer] = {}
    errors: list[SitingError] = []
    missing: dict[str, tuple[str, ...]] = {}
    for spec in cat.layers:
        if spec is muni_spec:
            rep = muni.report
            loaded[spec.id] = LoadedLayer(spec=spec, data=munis_near, report=LoadReport(
                rep.source, rep.n_read, len(munis_near), rep.source_crs, rep.notes))
            continue
        if wanted is not None and spec.id not in wanted:
            continue
        absent = missing_inputs(spec, dirs)
        if spec.user_data and (len(absent) == (len(spec.inputs) if spec.build else 1)):
            missing[spec.id] = absent
            continue
        try:
            lyr = _load(spec, dirs, invalid=invalid, extent=extent, cache=cache)
            if spec.type == "sites" and isinstance(lyr.data, gpd.GeoDataFrame):
                sites, more = _complete_sites(lyr.data, muni_gdf)
                sites, outside = _sites_in_study_area(sites, reg)
                more = more + outside
                rep = lyr.report
                lyr = LoadedLayer(spec=spec, data=sites, report=LoadReport(
                    rep.source, rep.n_read, len(sites), rep.source_crs, rep.notes + tuple(more)))
            loaded[spec.id] = lyr
        except SitingError as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        problems: list[Problem] = []
        for err in errors:
            problems.extend(err.problems or (Problem(source=str(cat.path), message=str(err)),))
        raise DataError.from_problems(
            f"{len(errors)} layers of catalogue '{cat.id}' could not be loaded", problems)
    meta: dict[str, Any] = {
        "buffer_m": reg.buffer_m,
        "region": reg.label,
        "invalid": invalid,
        "load_seconds": round(time.perf_counter() - t0, 3),
        "missing_layers": MappingProxyType(missing),
        "data_dirs": tuple(str(d) for d in dirs),
    }
    if missing:
        logger.info("layers missing (files not in %s): %s", ", ".join(map(str, dirs)),
                    ", ".join(missing))
    return LayerSet(catalog=cat, region=reg, layers=MappingProxyType(loaded),
                    municipalities=munis_near, data_dir=str(ddir),
                    meta=MappingProxyType(meta))
