"""Write the Demolän files in the formats Swedish authorities publish."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio

from siting.core.errors import DataError
from siting.demo import _infra, _land, _tables
from siting.demo._base import CRS, DEFAULT_SEED
from siting.demo._land import Raster
from siting.demo._readme import readme_text
from siting.demo._sites import DESIGNED_SITES, candidate_sites
from siting.demo._world import build_world

__all__ = ["GPKG_LAYERS", "GPKG_NAME", "build_demo"]

#: GeoPackage file name.
GPKG_NAME = "demolan.gpkg"

#: Canonical layer type -> layer name inside the GeoPackage.
GPKG_LAYERS: MappingProxyType[str, str] = MappingProxyType({
    "municipalities": "kommuner",
    "sites": "kandidatomraden",
    "protected_areas": "skyddade_omraden",
    "flood_zones": "oversvamning_100ar",
    "substations": "stationer",
    "grid_lines": "kraftledningar",
    "price_areas": "elomraden",
    "roads": "vagar",
    "railways": "jarnvagar",
    "built_up_areas": "tatorter",
    "population_grid": "befolkning_1km",
})


def build_demo(out_dir: Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Generate the fictional demo region Demolän and write its files.

    Parameters
    ----------
    out_dir : Path
        Folder to write into (created when missing; existing demo files are replaced).
    seed : int
        Seed of every random choice; the same seed gives the same data.

    Returns
    -------
    dict of str to Path
        File name -> path of every file written.

    Raises
    ------
    DataError
        When ``out_dir`` exists but is not a folder.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError.single(str(out_dir), "is not a folder",
                               hint="give --out a folder path (it is created when missing)")
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(seed)
    protected = _land.protected_areas(world)
    flood = _land.flood_zones(world)
    sites = candidate_sites(world, protected=protected, flood=flood.union_all())
    municipalities = world.municipalities.rename(
        columns={"name": "kommunnamn", "population": "folkmangd"})
    built_up = world.built_up.rename(columns={"name": "tatort", "population": "bef"})
    grid = world.population_grid.rename(columns={"population": "befolkning",
                                                 "working_age_population": "befolkning_20_64"})
    vectors = {
        "municipalities": municipalities,
        "sites": sites,
        "protected_areas": protected,
        "flood_zones": flood,
        "substations": _infra.substations(world),
        "grid_lines": _infra.grid_lines(world),
        "price_areas": _infra.price_areas(world),
        "roads": _infra.roads(world),
        "railways": _infra.railways(world),
        "built_up_areas": built_up,
        "population_grid": grid,
    }
    written: dict[str, Path] = {}
    gpkg = out_dir / GPKG_NAME
    gpkg.unlink(missing_ok=True)
    for type_name, frame in vectors.items():
        frame.to_file(gpkg, layer=GPKG_LAYERS[type_name], driver="GPKG", engine="pyogrio")
    written[GPKG_NAME] = gpkg

    for name, frame in (("ports.geojson", _infra.ports(world)),
                        ("rail_terminals.geojson", _infra.rail_terminals(world)),
                        ("airports.geojson", _infra.airports(world))):
        written[name] = _write_geojson(frame, out_dir / name)

    written["schools.csv"] = _write_schools(_tables.schools(world), out_dir / "schools.csv")
    written["housing.csv"] = _write_csv(_tables.housing(world), out_dir / "housing.csv",
                                        sep=",", decimal=".", encoding="utf-8")
    written["municipality_stats.csv"] = _write_csv(
        _tables.municipality_stats(world), out_dir / "municipality_stats.csv",
        sep=";", decimal=",", encoding="utf-8-sig")
    written["municipal_assessment.csv"] = _write_csv(
        _tables.municipal_assessment(), out_dir / "municipal_assessment.csv",
        sep=",", decimal=".", encoding="utf-8")

    dem = _land.terrain(world)
    written["slope.tif"] = _write_tif(_land.slope(world, dem), out_dir / "slope.tif",
                                      description="slope, percent", units="percent")
    written["land_cover.tif"] = _write_tif(
        _land.land_cover(world, world.built_up, dem), out_dir / "land_cover.tif",
        description="land cover: 1 forest, 2 open land, 3 water, 4 built-up, 5 wetland",
        units="class")
    residents = dict(zip(municipalities["kommunkod"],
                         zip(municipalities["kommunnamn"], municipalities["folkmangd"].astype(int),
                             strict=True), strict=True))
    readme = out_dir / "README.md"
    designed = [(d[0], d[1], d[8]) for d in DESIGNED_SITES]
    readme.write_text(readme_text(seed, residents, list(GPKG_LAYERS.values()), designed),
                      encoding="utf-8")
    written["README.md"] = readme
    return written


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """RFC 7946 GeoJSON: EPSG:4326 lon/lat, 7 decimals."""
    path.unlink(missing_ok=True)
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON", engine="pyogrio",
                                      layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"})
    return path


def _write_schools(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Schools as a Swedish spreadsheet export: lon/lat, ';', decimal comma, Windows-1252."""
    lonlat = frame.to_crs("EPSG:4326").geometry
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["industriprogram"] = np.where(table["industriprogram"], "true", "false")
    table["lon"] = np.round(lonlat.x.to_numpy(), 6)
    table["lat"] = np.round(lonlat.y.to_numpy(), 6)
    return _write_csv(table, path, sep=";", decimal=",", encoding="cp1252", crlf=True)


def _write_csv(frame: pd.DataFrame, path: Path, *, sep: str, decimal: str, encoding: str,
               crlf: bool = False) -> Path:
    frame.to_csv(path, sep=sep, decimal=decimal, index=False, encoding=encoding,
                 lineterminator="\r\n" if crlf else "\n")
    return path


def _write_tif(raster: Raster, path: Path, *, description: str, units: str) -> Path:
    arr = raster.array
    is_float = np.issubdtype(arr.dtype, np.floating)
    profile = {
        "driver": "GTiff", "height": arr.shape[0], "width": arr.shape[1], "count": 1,
        "dtype": arr.dtype.name, "crs": CRS, "transform": raster.transform,
        "nodata": raster.nodata, "compress": "deflate", "zlevel": 6,
        "predictor": 3 if is_float else 2, "tiled": True, "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr, 1)
        dst.set_band_description(1, description)
        dst.update_tags(1, units=units)
        dst.update_tags(source="Fiktiva demodata / fictional demo data, generated by siting.demo")
    return path
