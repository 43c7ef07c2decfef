"""Building blocks of the Demolän generator: constants, seeded randomness, shapes.

Everything here is deterministic: randomness comes from
:func:`rng_for`, which derives an independent :class:`numpy.random.Generator`
per component from the seed and a fixed component name, so changing one
component never shifts the random numbers of another.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

__all__ = [
    "BBOX",
    "CRS",
    "DEFAULT_SEED",
    "MUNICIPALITIES",
    "STUDY_AREA",
    "MunicipalitySpec",
    "SmoothField",
    "blob",
    "km",
    "rng_for",
    "wiggly_line",
]

#: The analysis CRS of every generated vector and raster (SWEREF 99 TM).
CRS = "EPSG:3006"
#: Default seed of the bundled data set.
DEFAULT_SEED = 20260101
#: Extent of the generated data in EPSG:3006 metres (minx, miny, maxx, maxy).
BBOX = (700_000.0, 7_150_000.0, 860_000.0, 7_280_000.0)


@dataclass(frozen=True)
class MunicipalitySpec:
    """A fictional municipality of Demolän.

    Parameters
    ----------
    kommunkod : str
        Four-character code (fictional counties 99 and 98).
    name : str
        Municipality name.
    prefix : str
        Prefix of its candidate-site ids (``NV`` -> ``NV-01``).
    town_pop : int
        Residents of the main town (tätort).
    rural_pop : int
        Residents outside every built-up area.
    working_age_share : float
        Share of residents aged 20-64.
    price_area : str
        Electricity price area (SE1/SE2).
    seeds_km : tuple of (x, y)
        Seed points (km) that shape the municipality in the Voronoi tiling.
    """

    kommunkod: str
    name: str
    prefix: str
    town_pop: int
    rural_pop: int
    working_age_share: float
    price_area: str
    seeds_km: tuple[tuple[float, float], ...]

    @property
    def lanskod(self) -> str:
        """Two-character county code."""
        return self.kommunkod[:2]


#: The five municipalities; coastal seed x values are offsets from the coast (negative = inland)
#: when they are below 100, absolute km otherwise.
MUNICIPALITIES: tuple[MunicipalitySpec, ...] = (
    MunicipalitySpec("9901", "Norrvik", "NV", 40_000, 5_200, 0.56, "SE1",
                     ((-4, 7232), (-16, 7240), (-8, 7218), (-26, 7228), (-12, 7250))),
    MunicipalitySpec("9902", "Älvby", "AB", 25_000, 4_300, 0.55, "SE2",
                     ((-7, 7192), (-20, 7180), (-25, 7200), (-5, 7170), (-14, 7160),
                      (-10, 7205))),
    MunicipalitySpec("9903", "Skogsås", "SK", 9_000, 2_500, 0.52, "SE1",
                     ((752, 7228), (728, 7252), (770, 7258), (728, 7218), (774, 7234),
                      (715, 7270), (748, 7270))),
    MunicipalitySpec("9904", "Bergsjö", "BS", 4_000, 1_400, 0.50, "SE2",
                     ((738, 7178), (718, 7165), (756, 7168), (722, 7196), (745, 7158))),
    MunicipalitySpec("9801", "Grannby", "GB", 70_000, 5_500, 0.62, "SE1",
                     ((-5, 7266), (-30, 7272), (-50, 7274), (-18, 7262))),
)

#: The default study area (Grannby, 9801, is the neighbour outside it).
STUDY_AREA: tuple[str, ...] = ("9901", "9902", "9903", "9904")


def km(x: float, y: float) -> tuple[float, float]:
    """Kilometres to metres."""
    return (x * 1000.0, y * 1000.0)


def rng_for(seed: int, component: str) -> np.random.Generator:
    """An independent generator for one named component of the data set."""
    return np.random.default_rng([int(seed), zlib.crc32(component.encode("utf-8"))])


class SmoothField:
    """A smooth random scalar field: a sum of plane waves (vectorised).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the wave directions and phases.
    amplitude : float
        Total amplitude (the field lies within about ``±amplitude``).
    wavelength_m : (float, float)
        Range of the wavelengths.
    n_waves : int
        Number of plane waves.
    """

    def __init__(self, rng: np.random.Generator, amplitude: float,
                 wavelength_m: tuple[float, float], n_waves: int = 6) -> None:
        angles = rng.uniform(0.0, np.pi, n_waves)
        lengths = rng.uniform(*wavelength_m, n_waves)
        self._kx = 2 * np.pi * np.cos(angles) / lengths
        self._ky = 2 * np.pi * np.sin(angles) / lengths
        self._phase = rng.uniform(0.0, 2 * np.pi, n_waves)
        self._amp = amplitude / np.sqrt(n_waves / 2.0)

    def __call__(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Field values at EPSG:3006 coordinates (broadcasting)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        total = np.zeros(np.broadcast_shapes(x.shape, y.shape))
        for kx, ky, phase in zip(self._kx, self._ky, self._phase, strict=True):
            total += np.sin(kx * x + ky * y + phase)
        return self._amp * total


def blob(center: tuple[float, float], radius_m: float, rng: np.random.Generator, *,
         roughness: float = 0.25, aspect: float = 1.0, n: int = 48) -> Polygon:
    """An irregular, star-shaped polygon around ``center``.

    Parameters
    ----------
    center : (x, y)
        Centre in metres.
    radius_m : float
        Mean radius in metres.
    rng : numpy.random.Generator
        Randomness for the outline.
    roughness : float
        Relative radius variation (0 = ellipse).
    aspect : float
        Ratio of the long to the short axis.
    n : int
        Number of vertices.
    """
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    radius = np.ones(n)
    for harmonic in (2, 3, 5, 8):
        radius += (roughness / harmonic ** 0.7) * rng.uniform(-1, 1) * np.cos(
            harmonic * theta + rng.uniform(0, 2 * np.pi))
    radius = np.clip(radius, 0.35, None) * radius_m
    rot = rng.uniform(0, np.pi)
    a, b = np.sqrt(aspect), 1 / np.sqrt(aspect)
    lx, ly = radius * np.cos(theta) * a, radius * np.sin(theta) * b
    x = center[0] + lx * np.cos(rot) - ly * np.sin(rot)
    y = center[1] + lx * np.sin(rot) + ly * np.cos(rot)
    poly = Polygon(np.column_stack([np.round(x, 1), np.round(y, 1)]))
    return poly if poly.is_valid else shapely.make_valid(poly).buffer(0)


def wiggly_line(points: list[tuple[float, float]], rng: np.random.Generator, *,
                amplitude_m: float = 400.0, step_m: float = 800.0) -> LineString:
    """A polyline through ``points`` with smooth sideways wiggles between them.

    The given points are kept exactly (they are network nodes); only the
    vertices inserted between them are displaced.
    """
    coords: list[tuple[float, float]] = [points[0]]
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:], strict=True):
        length = float(np.hypot(x1 - x0, y1 - y0))
        n = max(int(length // step_m), 1)
        t = np.linspace(0.0, 1.0, n + 1)[1:-1]
        if t.size:
            nx, ny = -(y1 - y0) / length, (x1 - x0) / length
            phase = rng.uniform(0, 2 * np.pi)
            waves = rng.uniform(0.5, 2.5)
            offset = amplitude_m * np.sin(np.pi * t) * np.sin(2 * np.pi * waves * t + phase)
            offset += rng.normal(0.0, amplitude_m * 0.1, t.size) * np.sin(np.pi * t)
            xs = x0 + t * (x1 - x0) + offset * nx
            ys = y0 + t * (y1 - y0) + offset * ny
            coords.extend(zip(np.round(xs, 1).tolist(), np.round(ys, 1).tolist(), strict=True))
        coords.append((x1, y1))
    return LineString(coords)
