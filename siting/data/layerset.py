"""Containers for loaded layers: what every downstream module consumes.

Loading (``siting.data.layers.load_layerset``) turns a catalogue plus a data folder
and a region into a :class:`LayerSet`: every layer in EPSG:3006, clipped to
the region plus its neighbourhood buffer, with canonical field names.
Metrics, scoring, the app and reports read layers only through the accessors
here, by canonical *type* (``layerset.vector("substations")``), never by file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry.base import BaseGeometry

from siting.core.crs import ANALYSIS_CRS
from siting.data.catalog import Catalog, LayerSpec

__all__ = ["ANALYSIS_CRS", "LayerSet", "LoadReport", "LoadedLayer", "RasterData", "Region"]

@dataclass(frozen=True)
class Region:
    """A study region: municipalities plus a neighbourhood buffer.

    Parameters
    ----------
    kommunkoder : tuple of str
        The municipalities of the study area (4-digit codes); all of them for ``all``.
    names : tuple of str
        Their names, same order.
    geometry : shapely geometry
        Union of the study municipalities, EPSG:3006.
    buffer_m : float
        Neighbourhood buffer in metres.
    is_all : bool
        True when the region is every municipality of the dataset.
    """

    kommunkoder: tuple[str, ...]
    names: tuple[str, ...]
    geometry: BaseGeometry
    buffer_m: float = 50_000.0
    is_all: bool = False

    @cached_property
    def extent(self) -> BaseGeometry:
        """The study area grown by the neighbourhood buffer (what layers are clipped to).

        Computed once per region (buffering all of Sweden takes ~0.1 s).
        """
        return self.geometry.buffer(self.buffer_m) if self.buffer_m > 0 else self.geometry

    @property
    def label(self) -> str:
        """A short human label, e.g. ``'Norrvik, Älvby'``."""
        return "all" if self.is_all else ", ".join(self.names)


@dataclass(frozen=True)
class RasterData:
    """A raster band in EPSG:3006.

    Parameters
    ----------
    array : numpy.ndarray
        2-D float array, ``nan`` where there is no data.
    transform : affine.Affine
        Pixel-to-EPSG:3006 transform (north-up).
    nodata : float or None
        The source file's nodata value (already turned into ``nan``).
    units : str
        Units of the values (e.g. ``'percent'``).
    """

    array: np.ndarray
    transform: Affine
    nodata: float | None = None
    units: str = ""
    crs: str = ANALYSIS_CRS

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.array.shape

    @property
    def resolution_m(self) -> float:
        """Pixel width in metres."""
        return float(abs(self.transform.a))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in EPSG:3006."""
        rows, cols = self.shape
        x0, y0 = self.transform @ (0, 0)
        x1, y1 = self.transform @ (cols, rows)
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


@dataclass(frozen=True)
class LoadReport:
    """What loading did to a layer: counts and notes, shown to the user.

    Parameters
    ----------
    source : str
        The file read.
    n_read : int
        Features/rows read from the file.
    n_loaded : int
        Features/rows kept after cleaning and clipping.
    source_crs : str or None
        The CRS the file declared (or the catalogue declared for it).
    notes : tuple of str
        Plain-language notes, e.g. ``"3 invalid polygons repaired"``.
    """

    source: str
    n_read: int
    n_loaded: int
    source_crs: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedLayer:
    """One loaded layer: its catalogue spec, the data, and the load report.

    ``data`` is a GeoDataFrame in EPSG:3006 (point/line/polygon), a DataFrame
    (table keyed by ``kommunkod``) or a :class:`RasterData` (raster).
    """

    spec: LayerSpec
    data: gpd.GeoDataFrame | pd.DataFrame | RasterData
    report: LoadReport

    @property
    def n_features(self) -> int:
        """Features (vector), rows (table) or valid cells (raster)."""
        if isinstance(self.data, RasterData):
            return int(np.isfinite(self.data.array).sum())
        return len(self.data)


@dataclass(frozen=True)
class LayerSet:
    """Every loaded layer of a catalogue for one region.

    Access layers by canonical type: :meth:`vector`, :meth:`table`,
    :meth:`raster`. When a catalogue has several layers of one type, the
    first in catalogue order is the one returned; :meth:`all_of_type` gives
    them all.

    ``municipalities`` holds every municipality that intersects the region
    extent (study area + buffer) with a boolean ``in_study_area`` column, so
    neighbours are at hand for cross-border measurements and maps.
    ``meta`` records ``buffer_m``, ``region``, ``invalid`` and ``load_seconds``.
    """

    catalog: Catalog
    region: Region
    layers: Mapping[str, LoadedLayer]
    municipalities: gpd.GeoDataFrame
    data_dir: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def has(self, type_name: str) -> bool:
        """True when a layer of canonical type ``type_name`` is loaded."""
        return any(lyr.spec.type == type_name for lyr in self.layers.values())

    def all_of_type(self, type_name: str) -> tuple[LoadedLayer, ...]:
        """All loaded layers of a canonical type, in catalogue order."""
        return tuple(lyr for lyr in self.layers.values() if lyr.spec.type == type_name)

    def get(self, type_name: str) -> LoadedLayer | None:
        """The first loaded layer of a canonical type, or None."""
        found = self.all_of_type(type_name)
        return found[0] if found else None

    def source_of(self, type_name: str, field: str | None = None) -> LoadedLayer | None:
        """The layer a value of ``field`` comes from: the first loaded layer of the type
        holding that field with a value (catalogue order, as :meth:`table` merges), else
        the first layer of the type."""
        found = self.all_of_type(type_name)
        if field is not None:
            for lyr in found:
                data = lyr.data
                if (not isinstance(data, RasterData) and field in data.columns
                        and data[field].notna().any()):
                    return lyr
        return found[0] if found else None

    def vector(self, type_name: str) -> gpd.GeoDataFrame | None:
        """The GeoDataFrame of a vector layer type (EPSG:3006), or None."""
        lyr = self.get(type_name)
        if lyr is None or not isinstance(lyr.data, gpd.GeoDataFrame):
            return None
        return lyr.data

    def table(self, type_name: str) -> pd.DataFrame | None:
        """The table of a table layer type (keyed by ``kommunkod``), or None.

        When a catalogue has several table layers of one type (e.g. population
        from one file and price areas from another), they are merged on
        ``kommunkod``: every column is available, and where two layers carry
        the same column the earlier layer's non-missing value wins.
        """
        tables = [lyr.data for lyr in self.all_of_type(type_name)
                  if not isinstance(lyr.data, (gpd.GeoDataFrame, RasterData))]
        if not tables:
            return None
        if len(tables) == 1 or any("kommunkod" not in t.columns for t in tables):
            return tables[0]
        merged = tables[0].set_index("kommunkod")
        for extra in tables[1:]:
            merged = merged.combine_first(extra.set_index("kommunkod"))
        return merged.reset_index()

    def raster(self, type_name: str) -> RasterData | None:
        """The raster of a raster layer type, or None."""
        lyr = self.get(type_name)
        if lyr is None or not isinstance(lyr.data, RasterData):
            return None
        return lyr.data

    def vintages(self) -> dict[str, dt.date]:
        """Data vintage per layer id."""
        return {lid: lyr.spec.vintage for lid, lyr in self.layers.items()}

    def attributions(self) -> dict[str, tuple[str, str]]:
        """(attribution, licence) per layer id."""
        return {lid: (lyr.spec.attribution, lyr.spec.licence) for lid, lyr in self.layers.items()}
