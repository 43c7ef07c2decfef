"""The physical and human geography of Demolän: coast, river, lakes, hills,
municipalities, towns, built-up areas and the 1 km population grid."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Polygon, box
from shapely.geometry.base import BaseGeometry

from siting.demo._base import (
    BBOX,
    CRS,
    MUNICIPALITIES,
    SmoothField,
    blob,
    km,
    rng_for,
    wiggly_line,
)

__all__ = ["Coast", "Town", "World", "build_world"]


class Coast:
    """The coastline: land lies west of ``x_at(y)`` (sea to the east).

    The coast trends north-east like the Bothnian coast, with bays and headlands.
    """

    def __init__(self, seed: int) -> None:
        rng = rng_for(seed, "coast")
        self._phase = rng.uniform(0, 2 * np.pi, 4)

    def x_at(self, y: np.ndarray | float) -> np.ndarray:
        """Coast x (m) at northing ``y`` (m)."""
        y = np.asarray(y, dtype=float)
        t = y - 7_150_000.0
        x = 800_000.0 + 0.35 * t
        for amp, wavelength, phase in zip((3000.0, 1500.0, 500.0, 200.0),
                                          (37_000.0, 13_000.0, 4_100.0, 1_500.0),
                                          self._phase, strict=True):
            x = x + amp * np.sin(2 * np.pi * y / wavelength + phase)
        return x

    def point(self, dx_km: float, y_km: float) -> tuple[float, float]:
        """A point ``dx_km`` east of the coast (negative = inland) at northing ``y_km``."""
        y = y_km * 1000.0
        return (float(self.x_at(y)) + dx_km * 1000.0, y)

    def resolve(self, x_km: float, y_km: float) -> tuple[float, float]:
        """Absolute km when ``x_km >= 100``, else an offset from the coast (see MUNICIPALITIES)."""
        return km(x_km, y_km) if x_km >= 100 else self.point(x_km, y_km)


@dataclass(frozen=True)
class Town:
    """A town or village."""

    name: str
    kommunkod: str
    x: float
    y: float
    population: int
    is_main: bool

    @property
    def xy(self) -> tuple[float, float]:
        """Centre coordinates (m)."""
        return (self.x, self.y)


@dataclass(frozen=True)
class World:
    """The generated geography every other component builds on."""

    seed: int
    coast: Coast
    mainland: BaseGeometry
    river: LineString
    lakes: tuple[tuple[str, Polygon], ...]
    hills: np.ndarray  # rows: x, y, height_m, sigma_m
    towns: tuple[Town, ...]
    municipalities: gpd.GeoDataFrame
    built_up: gpd.GeoDataFrame
    population_grid: gpd.GeoDataFrame

    @property
    def lake_union(self) -> BaseGeometry:
        """All lakes as one geometry."""
        return shapely.union_all([p for _, p in self.lakes])

    def town(self, name: str) -> Town:
        """The town called ``name``."""
        for t in self.towns:
            if t.name == name:
                return t
        raise KeyError(name)

    def municipality_geometry(self, kommunkod: str) -> BaseGeometry:
        """Polygon of one municipality."""
        m = self.municipalities
        return m.geometry[m["kommunkod"] == kommunkod].iloc[0]


# (name, kommunkod, x_km or coast offset, y_km, population)
_VILLAGES = (
    ("Ytterbyn", "9901", -6.0, 7218.0, 1200),
    ("Storbäcken", "9901", -22.0, 7244.0, 600),
    ("Forsnäs", "9902", -24.0, 7198.5, 800),
    ("Sörbyn", "9902", -6.0, 7171.0, 450),
    ("Granliden", "9903", 733.0, 7246.0, 400),
    ("Myrheden", "9903", 772.0, 7252.0, 300),
    ("Lillsjö", "9904", 723.0, 7167.0, 350),
    ("Norrbyn", "9801", -28.0, 7272.0, 2500),
)

# named lakes (name, x_km, y_km, radius_km, aspect)
_LAKES = (
    ("Bergsjön", 742.5, 7182.5, 1.6, 2.6),
    ("Storsjön", 728.0, 7173.0, 2.3, 2.0),
    ("Lillsjön", 718.0, 7160.5, 0.9, 1.6),
    ("Mjösjön", 752.0, 7161.0, 1.1, 1.8),
    ("Svartsjön", 740.0, 7215.0, 1.0, 1.5),
    ("Gransjön", 725.0, 7232.0, 1.2, 2.2),
    ("Myrsjön", 778.0, 7246.0, 0.8, 1.4),
)

# named hills (x_km or coast offset, y_km, height_m, sigma_km); steep ones carry candidate sites
_HILLS = (
    (716.0, 7262.0, 380.0, 4.0),    # Fjällskogen massif (national park)
    (726.0, 7271.0, 300.0, 2.5),
    (-18.0, 7241.0, 240.0, 1.1),    # Kvarnberget, Norrvik
    (762.0, 7237.0, 230.0, 1.3),    # Åsberget, Skogsås
    (750.0, 7193.0, 200.0, 1.2),    # Brännberget, Bergsjö
    (-30.0, 7176.0, 240.0, 1.2),    # Klöverberget, Älvby
)


def build_world(seed: int) -> World:
    """Generate the geography of Demolän for ``seed``."""
    coast = Coast(seed)
    mainland = _mainland(coast, seed)
    outline = _outline(seed)
    municipalities = _municipalities(coast, mainland, outline, seed)
    river = _river(coast, seed)
    lakes = _lakes(seed)
    hills = _hills(coast, seed)
    towns = _towns(coast)
    built_up = _built_up(towns, municipalities, shapely.union_all([p for _, p in lakes]), seed)
    grid = _population_grid(towns, municipalities, built_up, seed)
    pop = grid.groupby("kommunkod")["population"].sum()
    municipalities["population"] = municipalities["kommunkod"].map(pop).astype("int64")
    return World(seed=seed, coast=coast, mainland=mainland, river=river, lakes=lakes,
                 hills=hills, towns=towns, municipalities=municipalities, built_up=built_up,
                 population_grid=grid)


def _mainland(coast: Coast, seed: int) -> BaseGeometry:
    minx, miny, maxx, maxy = BBOX
    ys = np.arange(miny - 2000.0, maxy + 2001.0, 250.0)
    xs = coast.x_at(ys)
    ring = [(minx - 2000.0, ys[0]), *zip(np.round(xs, 1), ys, strict=True),
            (minx - 2000.0, ys[-1])]
    land = Polygon(ring)
    rng = rng_for(seed, "islands")
    islands = []
    for y_km in (7163.0, 7186.0, 7196.0, 7224.0, 7236.5, 7246.0, 7258.0, 7270.0):
        cx = float(coast.x_at(y_km * 1000)) + rng.uniform(1800, 4500)
        islands.append(blob((cx, y_km * 1000 + rng.uniform(-800, 800)),
                            rng.uniform(350, 1300), rng, roughness=0.35, aspect=1.8))
    return shapely.union_all([land, *islands]).intersection(box(*BBOX))


def _outline(seed: int) -> Polygon:
    """The outer boundary of the five municipalities (coast to the east)."""
    rng = rng_for(seed, "outline")
    wobble = SmoothField(rng, 1800.0, (2500.0, 25000.0), n_waves=16)
    y_s, y_n, x_w = 7_153_000.0, 7_277_000.0, 704_000.0
    xs_edge = np.arange(x_w, 870_001.0, 1000.0)
    ys_edge = np.arange(y_s, y_n + 1.0, 1000.0)
    south = [(x, y_s + float(wobble(x, y_s))) for x in xs_edge]
    north = [(x, y_n + float(wobble(x, y_n))) for x in xs_edge[::-1]]
    west = [(x_w + float(wobble(x_w, y)), y) for y in ys_edge[::-1]]
    poly = Polygon([*south, *north, *west])
    return poly.buffer(0) if not poly.is_valid else poly


def _municipalities(coast: Coast, mainland: BaseGeometry, outline: Polygon,
                    seed: int) -> gpd.GeoDataFrame:
    rng = rng_for(seed, "municipalities")
    minx, miny, maxx, maxy = BBOX
    spacing = 2000.0
    gx, gy = np.meshgrid(np.arange(minx - spacing, maxx + 2 * spacing, spacing),
                         np.arange(miny - spacing, maxy + 2 * spacing, spacing))
    px = gx.ravel() + rng.uniform(-0.35, 0.35, gx.size) * spacing
    py = gy.ravel() + rng.uniform(-0.35, 0.35, gy.size) * spacing
    # weighted nearest-seed labelling with a smooth noise field per municipality
    cost = np.empty((len(MUNICIPALITIES), px.size))
    for i, spec in enumerate(MUNICIPALITIES):
        seeds = np.array([coast.resolve(x, y) for x, y in spec.seeds_km])
        d = np.hypot(px[:, None] - seeds[:, 0], py[:, None] - seeds[:, 1]).min(axis=1)
        noise = SmoothField(rng, 3500.0, (9000.0, 30000.0))
        cost[i] = d + noise(px, py)
    label = cost.argmin(axis=0)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(np.column_stack([px, py])),
        extend_to=box(minx - 10_000, miny - 10_000, maxx + 10_000, maxy + 10_000)))
    # voronoi_polygons does not keep input order: match cells to points
    tree = shapely.STRtree(cells)
    pt_idx, cell_idx = tree.query(shapely.points(px, py), predicate="intersects")
    cell_label = np.full(len(cells), -1)
    cell_label[cell_idx] = label[pt_idx]
    area = outline.intersection(mainland)
    geoms = []
    for i in range(len(MUNICIPALITIES)):
        merged = shapely.union_all(cells[cell_label == i]).intersection(area)
        geoms.append(merged)
    geoms = _fix_fragments(geoms)
    # islands off the coast belong to the municipality nearest to them
    islands = [g for g in shapely.get_parts(mainland.difference(area)) if g.area < 20e6
               and g.centroid.x > float(coast.x_at(g.centroid.y))]
    for isl in islands:
        j = int(np.argmin([g.distance(isl) for g in geoms]))
        geoms[j] = geoms[j].union(isl)
    frame = gpd.GeoDataFrame(
        {
            "kommunkod": [m.kommunkod for m in MUNICIPALITIES],
            "name": [m.name for m in MUNICIPALITIES],
            "lanskod": [m.lanskod for m in MUNICIPALITIES],
        },
        geometry=[shapely.set_precision(g, 0.1) for g in geoms], crs=CRS)
    return frame


def _fix_fragments(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """Give every detached fragment to the neighbour sharing the longest border with it."""
    geoms = list(geoms)
    for i in range(len(geoms)):
        parts = sorted(shapely.get_parts(geoms[i]), key=lambda p: -p.area)
        if len(parts) <= 1:
            continue
        geoms[i] = parts[0]
        for frag in parts[1:]:
            shared = [geoms[j].boundary.intersection(frag.boundary).length if j != i else -1.0
                      for j in range(len(geoms))]
            j = int(np.argmax(shared))
            if shared[j] <= 0:
                geoms[i] = geoms[i].union(frag)
            else:
                geoms[j] = geoms[j].union(frag)
    return [shapely.union_all(shapely.get_parts(g)) for g in geoms]


def _river(coast: Coast, seed: int) -> LineString:
    rng = rng_for(seed, "river")
    pts = [km(700.0, 7203.0), km(716.0, 7199.0), km(733.0, 7187.0), km(743.0, 7184.5),
           km(757.0, 7186.0), km(772.0, 7190.5), coast.point(-24.0, 7194.0),
           coast.point(-10.0, 7191.5), coast.point(-4.0, 7190.5), coast.point(1.5, 7190.0)]
    return wiggly_line(pts, rng, amplitude_m=500.0, step_m=600.0)


def _lakes(seed: int) -> tuple[tuple[str, Polygon], ...]:
    rng = rng_for(seed, "lakes")
    lakes = [(name, blob(km(x, y), r * 1000, rng, roughness=0.3, aspect=aspect, n=40))
             for name, x, y, r, aspect in _LAKES]
    # small unnamed tarns inland
    for i in range(14):
        c = km(rng.uniform(706, 785), rng.uniform(7156, 7274))
        lakes.append((f"Tjärn {i + 1}", blob(c, rng.uniform(200, 550), rng, roughness=0.3,
                                             aspect=rng.uniform(1, 2.2), n=24)))
    return tuple(lakes)


def _hills(coast: Coast, seed: int) -> np.ndarray:
    rng = rng_for(seed, "hills")
    rows = [(*coast.resolve(x, y), h, s * 1000) for x, y, h, s in _HILLS]
    for _ in range(12):  # gentle inland ridges
        rows.append((*km(rng.uniform(705, 790), rng.uniform(7155, 7275)),
                     rng.uniform(50, 130), rng.uniform(2500, 5000)))
    return np.array(rows, dtype=float)


def _towns(coast: Coast) -> tuple[Town, ...]:
    towns = []
    main_xy = {"9901": (-4.0, 7232.0), "9902": (-7.0, 7192.0), "9903": (752.0, 7228.0),
               "9904": (738.0, 7178.5), "9801": (-5.0, 7266.0)}
    for spec in MUNICIPALITIES:
        x, y = coast.resolve(*main_xy[spec.kommunkod])
        towns.append(Town(spec.name, spec.kommunkod, x, y, spec.town_pop, True))
    for name, code, x_km, y_km, pop in _VILLAGES:
        x, y = coast.resolve(x_km, y_km)
        towns.append(Town(name, code, x, y, pop, False))
    return tuple(towns)


def _built_up(towns: tuple[Town, ...], municipalities: gpd.GeoDataFrame,
              lakes: BaseGeometry, seed: int) -> gpd.GeoDataFrame:
    rng = rng_for(seed, "built_up")
    region = shapely.union_all(municipalities.geometry.to_numpy())
    rows, geoms = [], []
    for t in towns:
        density = 1300.0 if t.population >= 20_000 else 800.0 if t.population >= 3000 else 500.0
        radius = float(np.sqrt(t.population / density / np.pi) * 1000.0)
        shape = blob(t.xy, radius, rng, roughness=0.4, aspect=rng.uniform(1.0, 1.8), n=56)
        shape = shape.intersection(region).difference(lakes)
        shape = max(shapely.get_parts(shape), key=lambda p: p.area)
        rows.append({"name": t.name, "population": t.population, "kommunkod": t.kommunkod})
        geoms.append(shapely.set_precision(shape, 0.1))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def _population_grid(towns: tuple[Town, ...], municipalities: gpd.GeoDataFrame,
                     built_up: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """SCB-style 1 km cells with residents; totals match the municipalities exactly."""
    rng = rng_for(seed, "population")
    minx, miny, maxx, maxy = BBOX
    cx, cy = np.meshgrid(np.arange(minx + 500, maxx, 1000.0), np.arange(miny + 500, maxy, 1000.0))
    cx, cy = cx.ravel(), cy.ravel()
    pop = np.zeros(cx.size, dtype=np.int64)
    code = np.full(cx.size, "", dtype=object)
    specs = {m.kommunkod: m for m in MUNICIPALITIES}
    for kod, geom in zip(municipalities["kommunkod"], municipalities.geometry, strict=True):
        inside = shapely.contains_xy(geom, cx, cy)
        code[inside] = kod
        idx = np.flatnonzero(inside)
        # towns: Gaussian around the centre, limited to cells touching the built-up polygon
        for t, shape in zip(towns, built_up.geometry, strict=True):
            if t.kommunkod != kod:
                continue
            cells = shapely.box(cx[idx] - 500, cy[idx] - 500, cx[idx] + 500, cy[idx] + 500)
            share = shapely.area(shapely.intersection(cells, shape)) / 1e6
            sigma = max(np.sqrt(shape.area / np.pi) * 0.55, 600.0)
            w = share * np.exp(-0.5 * ((cx[idx] - t.x) ** 2 + (cy[idx] - t.y) ** 2) / sigma ** 2)
            if w.sum() == 0:  # tiny village between cell centres: nearest cell
                w = np.zeros(idx.size)
                w[np.argmin(np.hypot(cx[idx] - t.x, cy[idx] - t.y))] = 1.0
            pop[idx] += _allocate(t.population, w)
        # scattered rural residents: sparse cells, more near towns
        d_town = np.min([np.hypot(cx[idx] - t.x, cy[idx] - t.y) for t in towns
                         if t.kommunkod == kod], axis=0)
        p_settled = 0.05 + 0.5 * np.exp(-d_town / 12_000.0)
        settled = rng.random(idx.size) < p_settled
        w = np.where(settled, rng.gamma(1.2, 1.0, idx.size), 0.0)
        pop[idx] += _allocate(specs[kod].rural_pop, w)
    keep = pop > 0
    cx, cy, pop, code = cx[keep], cy[keep], pop[keep], code[keep]
    share = np.array([specs[k].working_age_share for k in code])
    noisy = np.clip(share + rng.normal(0, 0.04, pop.size), 0.3, 0.8)
    working = np.minimum(np.round(pop * noisy).astype(np.int64), pop)
    ruta = [f"{int(y - 500)}{int(x - 500)}" for x, y in zip(cx, cy, strict=True)]
    return gpd.GeoDataFrame(
        {"ruta": ruta, "population": pop, "working_age_population": working,
         "kommunkod": pd.array(code, dtype="str")},
        geometry=shapely.box(cx - 500, cy - 500, cx + 500, cy + 500), crs=CRS)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total proportionally to weights (largest remainder, exact sum)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    raw = total * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(raw.size), -(raw - base)))
    base[order[:rest]] += 1
    return base

