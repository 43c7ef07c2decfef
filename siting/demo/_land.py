"""Land theme of Demolän: protected areas, the 100-year flood zone, and the
slope and land-cover rasters."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio import features
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from siting.demo._base import BBOX, CRS, blob, rng_for
from siting.demo._world import World

__all__ = [
    "LAND_COVER_CLASSES",
    "SLOPE_NODATA",
    "Raster",
    "flood_zones",
    "land_cover",
    "protected_areas",
    "slope",
    "terrain",
]

#: Nodata value of the slope GeoTIFF (sea cells).
SLOPE_NODATA = -9999.0
#: Land-cover class codes of the land-cover GeoTIFF.
LAND_COVER_CLASSES = {1: "forest", 2: "open land", 3: "water", 4: "built-up", 5: "wetland"}

# (id, name, designation, x km or coast offset, y km, radius km, aspect)
_PROTECTED = (
    ("NP-1", "Fjällskogens nationalpark", "nationalpark", 717.0, 7263.0, 5.5, 1.5),
    ("N2K-1", "Storälvens delta", "natura2000", -1.2, 7187.8, 1.7, 1.6),
    ("N2K-2", "Norrviksfjärden", "natura2000", -1.0, 7242.0, 2.0, 1.4),
    ("N2K-3", "Myrhedsmyren", "natura2000", 781.0, 7258.0, 1.1, 1.8),
    ("NR-1", "Storskogens naturreservat", "naturreservat", -33.0, 7187.0, 2.0, 1.5),
    ("NR-2", "Bergsjöåsens naturreservat", "naturreservat", 733.0, 7186.5, 1.4, 2.2),
    ("NR-3", "Lillsjömyrens naturreservat", "naturreservat", 711.0, 7172.0, 1.2, 1.6),
    ("NR-4", "Granlidens urskog", "naturreservat", 740.0, 7255.0, 1.3, 1.4),
)


@dataclass(frozen=True)
class Raster:
    """A generated raster band in EPSG:3006."""

    array: np.ndarray
    transform: Affine
    nodata: float | int


def protected_areas(world: World) -> gpd.GeoDataFrame:
    """National park, Natura 2000 areas and nature reserves (clipped to land)."""
    rng = rng_for(world.seed, "protected")
    rows = []
    for pid, name, designation, x, y, r, aspect in _PROTECTED:
        shape = blob(world.coast.resolve(x, y), r * 1000, rng, roughness=0.35, aspect=aspect)
        shape = shapely.set_precision(shape.intersection(world.mainland), 0.1)
        rows.append({"objekt_id": pid, "namn": name, "skyddsform": designation,
                     "geometry": shape})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def flood_zones(world: World) -> gpd.GeoDataFrame:
    """The 100-year flood zone along the Storälven: lower reach and the Bergsjö reach."""
    coords = np.asarray(world.river.coords)
    mouth_x = coords[-1, 0]
    rows = []
    reaches = (("OV-1", "Storälven, nedre delen", mouth_x - 40_000.0, mouth_x + 1.0, 250.0, 1100.0),
               ("OV-2", "Storälven vid Bergsjö", 733_000.0, 760_000.0, 200.0, 450.0))
    for zid, name, x0, x1, w0, w1 in reaches:
        parts = []
        for (ax, ay), (bx, by) in zip(coords[:-1], coords[1:], strict=True):
            mid = (ax + bx) / 2
            if not x0 <= mid <= x1:
                continue
            t = (mid - x0) / (x1 - x0)
            width = w0 + (w1 - w0) * t ** 1.5
            parts.append(shapely.LineString([(ax, ay), (bx, by)]).buffer(width, quad_segs=4))
        zone = shapely.union_all(parts).intersection(world.mainland)
        rows.append({"zon_id": zid, "namn": name, "aterkomsttid_ar": 100,
                     "geometry": shapely.set_precision(zone.simplify(20.0), 0.1)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _grid(cell_m: float) -> tuple[np.ndarray, np.ndarray, Affine]:
    minx, miny, maxx, maxy = BBOX
    transform = Affine(cell_m, 0.0, minx, 0.0, -cell_m, maxy)
    xs = np.arange(minx + cell_m / 2, maxx, cell_m)
    ys = np.arange(maxy - cell_m / 2, miny, -cell_m)
    gx, gy = np.meshgrid(xs, ys)
    return gx, gy, transform


def _mask(geom: BaseGeometry | None, shape: tuple[int, int], transform: Affine, *, all_touched: bool = False
          ) -> np.ndarray:
    if geom is None or geom.is_empty:
        return np.zeros(shape, dtype=bool)
    return features.rasterize([(geom, 1)], out_shape=shape, transform=transform, fill=0,
                              all_touched=all_touched, dtype="uint8").astype(bool)


def value_noise(rng: np.random.Generator, shape: tuple[int, int], cell_m: float,
                lattice_m: float) -> np.ndarray:
    """Isotropic smooth noise (about unit variance): random values on a coarse lattice,
    interpolated with cubic splines to the cells."""
    factor = lattice_m / cell_m
    coarse = rng.normal(0.0, 1.0, (int(np.ceil(shape[0] / factor)) + 4,
                                   int(np.ceil(shape[1] / factor)) + 4))
    fine = ndimage.zoom(coarse, factor, order=3, mode="nearest", grid_mode=True)
    off = int(factor)
    return fine[off:off + shape[0], off:off + shape[1]] / 0.6


def elevation(world: World, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Terrain height (m): a flat coastal plain rising inland, hills, and fractal roughness
    that grows away from the coast."""
    rng = rng_for(world.seed, "elevation")
    cell_m = float(gx[0, 1] - gx[0, 0])
    inland_km = np.clip((world.coast.x_at(gy) - gx) / 1000.0, 0.0, None)
    z = 2.8 * inland_km
    rough = value_noise(rng, gx.shape, cell_m, 8000.0)
    for hx, hy, height, sigma in world.hills:
        bump = np.exp(-0.5 * ((gx - hx) ** 2 + (gy - hy) ** 2) / sigma ** 2)
        z = z + height * bump * (1.0 + 0.15 * rough)
    relief = np.clip(inland_km / 25.0, 0.25, 1.6)
    for lattice_m, amp in ((6000.0, 18.0), (2000.0, 6.0), (600.0, 1.5)):
        z = z + relief * amp * value_noise(rng, gx.shape, cell_m, lattice_m)
    return z


def terrain(world: World, cell_m: float = 100.0) -> Raster:
    """The elevation model (m, float64) that slope and land cover derive from."""
    gx, gy, transform = _grid(cell_m)
    return Raster(elevation(world, gx, gy), transform, np.nan)


def slope(world: World, dem: Raster) -> Raster:
    """Slope in percent (float32), nodata over the sea, 0 on lakes."""
    cell_m = dem.transform.a
    gx, gy, transform = _grid(cell_m)
    z = dem.array
    dz_dy, dz_dx = np.gradient(z, cell_m)
    pct = np.hypot(dz_dx, dz_dy) * 100.0
    land = _mask(world.mainland, gx.shape, transform)
    lakes = _mask(world.lake_union, gx.shape, transform)
    pct = np.where(lakes, 0.0, np.round(pct, 1))
    pct = np.where(land, pct, SLOPE_NODATA).astype(np.float32)
    return Raster(pct, transform, SLOPE_NODATA)


def land_cover(world: World, built_up: gpd.GeoDataFrame, dem: Raster) -> Raster:
    """Land-cover classes (uint8) on cells twice the DEM's: 1 forest, 2 open land, 3 water,
    4 built-up, 5 wetland."""
    cell_m = 2 * dem.transform.a
    rng = rng_for(world.seed, "land_cover")
    gx, gy, transform = _grid(cell_m)
    shape = gx.shape
    cover = np.ones(shape, dtype=np.uint8)
    # open land: farmland around towns and along the river valley
    d_town = np.min([np.hypot(gx - t.x, gy - t.y) / (3.0 if t.is_main else 1.0)
                     for t in world.towns], axis=0)
    river_cells = _mask(world.river.buffer(cell_m / 2), shape, transform, all_touched=True)
    d_river = ndimage.distance_transform_edt(~river_cells) * cell_m
    noise = 0.5 * value_noise(rng, shape, cell_m, 3000.0) + 0.25 * value_noise(
        rng, shape, cell_m, 1000.0)
    farm = (np.exp(-d_town / 2500.0) + 0.6 * np.exp(-d_river / 1500.0) + 0.25 * noise) > 0.45
    cover[farm] = 2
    # wetland (myr): low, flat ground away from towns
    rows, cols = shape
    z = dem.array[: 2 * rows, : 2 * cols].reshape(rows, 2, cols, 2).mean(axis=(1, 3))
    dz_dy, dz_dx = np.gradient(z, cell_m)
    flat = np.hypot(dz_dx, dz_dy) < 0.012
    wet_noise = 0.5 * value_noise(rng, shape, cell_m, 4000.0) + 0.25 * value_noise(
        rng, shape, cell_m, 1200.0)
    cover[flat & (wet_noise > 0.55) & (d_town > 4000)] = 5
    cover[_mask(shapely.union_all(built_up.geometry.to_numpy()), shape, transform)] = 4
    water = ~_mask(world.mainland, shape, transform)
    water |= _mask(world.lake_union, shape, transform)
    water |= _mask(world.river.buffer(60.0), shape, transform, all_touched=True)
    cover[water] = 3
    return Raster(cover, transform, 0)
