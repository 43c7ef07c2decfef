"""Candidate sites of Demolän: hand-designed sites that make the three
establishment profiles pass and fail for clear reasons, plus seeded filler
sites along the roads, and :func:`demo_sites_large` for benchmarks."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from siting.demo._base import CRS, DEFAULT_SEED, MUNICIPALITIES, STUDY_AREA, rng_for
from siting.demo._infra import roads
from siting.demo._world import World, build_world

__all__ = ["DESIGNED_SITES", "candidate_sites", "demo_sites_large"]

# (site_id, name, x km or coast offset, y km, area ha, zoning, owner, available_from, design note)
DESIGNED_SITES: tuple[tuple[str, str, float, float, float, str, str, str, str], ...] = (
    # --- Norrvik: the 400 kV station by the deep-water port -------------------------------
    ("NV-01", "Hamnområdet Södra", -3.2, 7223.8, 340, "industrial", "municipal", "2026-06-01",
     "steel: 400 kV, 1 400 MW, rail and 13 m port close by"),
    ("NV-02", "Bredviksfältet", -9.0, 7223.5, 280, "in_progress", "municipal", "2027-01-01",
     "steel: passes, detaljplan in progress"),
    ("NV-03", "Skatamark", -12.0, 7230.0, 260, "none", "private", "2028-01-01",
     "steel: passes, private land without a plan"),
    ("NV-04", "Västra Bergmark", 797.0, 7242.0, 380, "none", "state", "2029-01-01",
     "steel: no 400 kV station within 10 km"),
    ("NV-05", "Kajen", -1.6, 7226.2, 35, "industrial", "municipal", "2026-03-01",
     "data centre: passes; battery and steel: too small"),
    ("NV-06", "Ytterby verksamhetsområde", -10.5, 7218.5, 90, "industrial", "municipal",
     "2026-09-01", "battery: passes"),
    ("NV-07", "Flygfältet", -13.5, 7251.0, 120, "in_progress", "municipal", "2027-06-01",
     "battery: passes near the 220 kV Grannby Södra"),
    ("NV-08", "Strandängarna", -2.0, 7241.5, 150, "none", "private", "2028-01-01",
     "every profile: partly inside the Natura 2000 area Norrviksfjärden"),
    ("NV-09", "Kvarnbacken", -16.9, 7241.0, 60, "none", "municipal", "2027-01-01",
     "battery: mean slope above 8 % on Kvarnberget"),
    ("NV-10", "Lövholmen", -7.5, 7237.8, 25, "industrial", "municipal", "2026-01-01",
     "data centre: passes"),
    ("NV-11", "Storbäckens industriområde", -20.0, 7247.2, 30, "industrial", "municipal",
     "2026-06-01", "data centre: too little grid capacity within 10 km"),
    # --- Älvby: river town with a 400 kV station ---------------------------------------------
    ("AB-01", "Älvby industripark", -11.5, 7200.2, 120, "industrial", "municipal", "2026-01-01",
     "battery: passes; steel: too small"),
    ("AB-02", "Älvby industripark etapp 2", -9.0, 7198.0, 75, "in_progress", "municipal",
     "2027-01-01", "battery: passes"),
    ("AB-03", "Älvängen", -13.0, 7193.1, 90, "none", "municipal", "2027-06-01",
     "every profile: partly inside the 100-year flood zone"),
    ("AB-04", "Sörbyfältet", -15.0, 7186.0, 260, "none", "private", "2029-01-01",
     "steel: 400 kV 11 km away, too little capacity, no deep-water port, rail too far"),
    ("AB-05", "Norrby sågverk", 797.0, 7205.0, 40, "industrial", "private", "2026-06-01",
     "data centre: passes (220 kV Älvby Norra)"),
    ("AB-06", "Älvby Norra", -17.5, 7209.0, 55, "in_progress", "municipal", "2027-01-01",
     "battery: capacity just below 200 MW, rail too far"),
    ("AB-07", "Holmsundet", -5.0, 7189.2, 30, "none", "municipal", "2027-01-01",
     "data centre: partly inside the 100-year flood zone"),
    ("AB-08", "Storskogen", -31.0, 7186.5, 150, "none", "state", "2030-01-01",
     "every profile: partly inside Storskogens naturreservat"),
    ("AB-09", "Kronoparken", -28.0, 7165.0, 70, "none", "state", "2029-01-01",
     "battery: far from capacity and rail"),
    ("AB-10", "Hamnvägen", -2.0, 7194.6, 18, "industrial", "municipal", "2026-01-01",
     "data centre: below 20 ha"),
    ("AB-11", "Klöverbacken", -28.8, 7176.0, 55, "none", "private", "2028-01-01",
     "battery: steep (Klöverberget)"),
    ("AB-12", "Sörby verksamhetsområde", -9.5, 7173.5, 25, "industrial", "municipal",
     "2026-06-01", "data centre: 20 MW within 10 km"),
    # --- Skogsås: inland forest town at the end of the branch line ---------------------------
    ("SK-01", "Skogsås industriområde", 757.5, 7224.0, 80, "industrial", "municipal",
     "2026-01-01", "battery: passes on the 220 kV Skogsås"),
    ("SK-02", "Sågverksområdet", 748.0, 7232.0, 45, "industrial", "private", "2026-06-01",
     "data centre: passes"),
    ("SK-03", "Åsbacken", 760.8, 7238.2, 70, "none", "municipal", "2027-01-01",
     "battery: steep (Åsberget)"),
    ("SK-04", "Fjällnäset", 737.0, 7272.0, 120, "none", "state", "2030-01-01",
     "every profile: more than 25 km from any substation and railway"),
    ("SK-05", "Fjällskogen", 724.5, 7258.0, 60, "none", "state", "2030-01-01",
     "every profile: partly inside Fjällskogens nationalpark"),
    ("SK-06", "Myrhedens industriområde", 766.0, 7245.5, 220, "in_progress", "municipal",
     "2027-06-01", "steel: no 400 kV and too little capacity"),
    ("SK-07", "Tallåsen", 754.0, 7236.5, 30, "industrial", "municipal", "2026-01-01",
     "data centre: passes"),
    ("SK-08", "Granlidens verksamhetsområde", 736.5, 7242.5, 25, "industrial", "municipal",
     "2026-06-01", "data centre: only 10 MW within 10 km"),
    # --- Bergsjö: small lake municipality without rail ----------------------------------------
    ("BS-01", "Bergsjö industriområde", 742.0, 7175.0, 60, "industrial", "municipal",
     "2026-01-01", "battery: 35 MW and no railway; data centre: too little capacity"),
    ("BS-02", "Lillforsens industriområde", 722.5, 7200.5, 25, "industrial", "municipal",
     "2026-06-01", "data centre: passes on the 220 kV Lillforsen"),
    ("BS-03", "Forsbacken", 717.0, 7194.5, 100, "in_progress", "municipal", "2027-01-01",
     "battery: 150 MW and no railway"),
    ("BS-04", "Strandskogen", 734.5, 7187.8, 40, "none", "private", "2028-01-01",
     "every profile: partly inside Bergsjöåsens naturreservat"),
    ("BS-05", "Brännbacken", 748.9, 7193.6, 50, "none", "municipal", "2027-01-01",
     "battery: steep (Brännberget)"),
    ("BS-06", "Ödemyran", 708.0, 7158.5, 80, "none", "state", "2030-01-01",
     "every profile: far from capacity and rail"),
    # --- Grannby (neighbour, outside the default study area) -----------------------------------
    ("GB-01", "Grannby teknikpark", -9.5, 7270.0, 40, "industrial", "municipal", "2026-01-01",
     "data centre: passes, next to the university"),
    ("GB-02", "Grannby östra industriområde", -15.0, 7259.5, 300, "in_progress", "municipal",
     "2027-01-01", "steel: no deep-water port within 20 km"),
    ("GB-03", "Norrbyns industriområde", -11.5, 7267.5, 110, "industrial", "municipal",
     "2026-06-01", "battery: passes"),
)

_KOD = {m.prefix: m.kommunkod for m in MUNICIPALITIES}

#: Sites placed beside the river: id -> offset (km) north of the river centre line at the
#: site's x, so that they reach into the 100-year flood zone.
_RIVER_SITES = {"AB-03": 0.5, "AB-07": -0.35}

#: Sites placed across the edge of a protected area: id -> protected area id.
_EDGE_SITES = {"NV-08": "N2K-2", "AB-08": "NR-1", "SK-05": "NP-1", "BS-04": "NR-2"}

#: Filler sites per municipality (placed at random along the roads).
_FILLERS = {"9901": 4, "9902": 3, "9903": 4, "9904": 3, "9801": 2}

_NAME_HEADS = ("Norr", "Sör", "Väst", "Öst", "Stor", "Lill", "Björk", "Gran", "Tall", "Sand",
               "Sten", "Berg", "Myr", "Lid", "Hed", "Ek", "Rönn", "Åker")
_NAME_TAILS = ("hedens verksamhetsområde", "myrans industriområde", "åsens företagspark",
               "bergets industriområde", "backens arbetsområde", "dalens industriområde",
               "lidens verksamhetsområde", "ängens företagsområde")


def _site_shape(center: tuple[float, float], area_ha: float, rng: np.random.Generator
                ) -> Polygon:
    """An irregular polygon of exactly ``area_ha`` around ``center``."""
    n = int(rng.integers(7, 12))
    theta = np.sort(rng.uniform(0, 2 * np.pi, n))
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False) * 0.5 + theta * 0.5
    radius = rng.uniform(0.8, 1.2, n)
    aspect = rng.uniform(1.0, 1.8)
    rot = rng.uniform(0, np.pi)
    lx = radius * np.cos(theta) * np.sqrt(aspect)
    ly = radius * np.sin(theta) / np.sqrt(aspect)
    x = lx * np.cos(rot) - ly * np.sin(rot)
    y = lx * np.sin(rot) + ly * np.cos(rot)
    unit = Polygon(np.column_stack([x, y]))
    scale = np.sqrt(area_ha * 1e4 / unit.area)
    return Polygon(np.column_stack([np.round(center[0] + x * scale, 1),
                                    np.round(center[1] + y * scale, 1)]))


def candidate_sites(world: World, *, protected: gpd.GeoDataFrame, flood: BaseGeometry
                    ) -> gpd.GeoDataFrame:
    """All candidate sites: the designed ones, then the fillers, with Swedish source columns.

    ``protected`` has the source columns of :func:`siting.demo._land.protected_areas`.
    """
    areas = dict(zip(protected["objekt_id"], protected.geometry, strict=True))
    rng = rng_for(world.seed, "sites")
    unusable = shapely.union_all([world.lake_union, world.river.buffer(60.0)])
    rows: list[dict] = []
    for sid, name, x, y, area, zoning, owner, avail, _note in DESIGNED_SITES:
        center = world.coast.resolve(x, y)
        if sid in _RIVER_SITES:
            center = (center[0], _river_y(world, center[0]) + _RIVER_SITES[sid] * 1000.0)
        if sid in _EDGE_SITES:
            edge = areas[_EDGE_SITES[sid]].exterior if areas[_EDGE_SITES[sid]].geom_type == \
                "Polygon" else areas[_EDGE_SITES[sid]].boundary
            p = edge.interpolate(edge.project(shapely.Point(center)))
            center = (p.x, p.y)
        shape = _site_shape(center, area, rng)
        own = world.municipality_geometry(_KOD[sid[:2]])
        shape = _cleanup(shape.intersection(own), world, unusable)
        rows.append(_row(sid, name, shape, zoning, owner, avail, world))
    taken = shapely.union_all([r["geometry"] for r in rows]).buffer(300.0)
    avoid = shapely.union_all([taken, protected.union_all(), flood, unusable,
                               shapely.union_all(world.built_up.geometry.to_numpy())])
    rows.extend(_fillers(world, avoid, rng, {r["namn"] for r in rows}))
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    order = {m.prefix: i for i, m in enumerate(MUNICIPALITIES)}
    frame["_order"] = [order[s[:2]] for s in frame["omrade_id"]]
    frame = frame.sort_values(["_order", "omrade_id"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def _river_y(world: World, x: float) -> float:
    """Northing of the river centre line at easting ``x``."""
    cut = world.river.intersection(shapely.LineString([(x, 7_100_000.0), (x, 7_300_000.0)]))
    return float(min(p.y for p in shapely.get_parts(cut)))


def _cleanup(shape: Polygon, world: World, unusable: BaseGeometry) -> Polygon:
    """Sites never include sea, lakes or the river channel."""
    shape = shape.intersection(world.mainland).difference(unusable)
    part = max(shapely.get_parts(shape), key=lambda p: p.area)
    return shapely.set_precision(part, 0.1)


def _row(sid: str, name: str, shape: BaseGeometry, zoning: str, owner: str, avail: str,
         world: World) -> dict:
    muni = world.municipalities
    inside = muni.geometry.contains(shape.representative_point())
    kod = str(muni.loc[inside, "kommunkod"].iloc[0]) if inside.any() else ""
    return {"omrade_id": sid, "namn": name, "areal_ha": round(shape.area / 1e4, 2),
            "planstatus": zoning, "agare": owner, "tillganglig_fran": avail,
            "kommunkod": kod, "geometry": shape}


def _fillers(world: World, avoid: BaseGeometry, rng: np.random.Generator,
             used_names: set[str]) -> list[dict]:
    roads = _road_lines(world)
    prefixes = {m.kommunkod: m.prefix for m in MUNICIPALITIES}
    counts = {p: sum(1 for s in DESIGNED_SITES if s[0].startswith(p)) for p in prefixes.values()}
    rows = []
    for kod, n_fill in _FILLERS.items():
        muni = world.municipality_geometry(kod).buffer(-200.0)
        local = [r for r in roads if r.intersects(muni)]
        placed = 0
        for _ in range(4000):
            if placed == n_fill:
                break
            road = local[int(rng.integers(len(local)))]
            p = road.interpolate(rng.uniform(0, road.length))
            ang = rng.uniform(0, 2 * np.pi)
            dist = rng.uniform(600, 3000)
            center = (p.x + dist * np.cos(ang), p.y + dist * np.sin(ang))
            area = float(np.clip(rng.lognormal(np.log(45), 0.8), 6, 180))
            shape = _site_shape(center, area, rng)
            if not muni.contains(shape) or shape.intersects(avoid):
                continue
            counts[prefixes[kod]] += 1
            sid = f"{prefixes[kod]}-{counts[prefixes[kod]]:02d}"
            name = _name(rng, used_names)
            zoning = str(rng.choice(["industrial", "in_progress", "none"], p=[0.4, 0.25, 0.35]))
            owner = str(rng.choice(["municipal", "private", "state"], p=[0.5, 0.35, 0.15]))
            year = int(rng.integers(2026, 2031))
            avail = dt.date(year, int(rng.choice([1, 4, 7, 10])), 1).isoformat()
            rows.append(_row(sid, name, shape, zoning, owner, avail, world))
            avoid = avoid.union(shape.buffer(300.0))
            placed += 1
    return rows


def _road_lines(world: World) -> list[LineString]:
    frame = roads(world)
    return list(frame.geometry[frame["vagklass"] <= 4])


def _name(rng: np.random.Generator, used: set[str]) -> str:
    for _ in range(200):
        name = f"{rng.choice(_NAME_HEADS)}{rng.choice(_NAME_TAILS)}"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of site names")  # pragma: no cover - 144 combinations


def demo_sites_large(n: int, seed: int = 0, *, world_seed: int = DEFAULT_SEED,
                     municipalities: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """``n`` random candidate sites inside the Demolän study area (for benchmarks).

    Parameters
    ----------
    n : int
        Number of sites.
    seed : int
        Seed of the random sites.
    world_seed : int
        Seed of the Demolän geography (the bundled data use the default).
    municipalities : GeoDataFrame, optional
        Municipality polygons (EPSG:3006, with ``kommunkod``) to place the sites in, e.g. the
        ``municipalities`` layer already loaded; by default generated from ``world_seed``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:3006 polygons (octagons of 5-150 ha) with the canonical site fields
        ``site_id, name, area_ha, zoning, owner, available_from, kommunkod``.

    Examples
    --------
    >>> sites = demo_sites_large(20, seed=1)
    >>> len(sites), sites.crs.to_epsg()
    (20, 3006)
    """
    if municipalities is None:
        municipalities = build_world(world_seed).municipalities
    rng = np.random.default_rng(seed)
    muni = municipalities[municipalities["kommunkod"].isin(STUDY_AREA)]
    if muni.crs is None or muni.crs.to_epsg() != 3006:
        muni = muni.to_crs(CRS)
    geoms = [g.buffer(-500.0) for g in muni.geometry]
    minx, miny, maxx, maxy = muni.total_bounds
    xs: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    have = 0
    while have < n:
        m = max(2 * (n - have), 64)
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        code = np.full(m, "", dtype=object)
        for kod, g in zip(muni["kommunkod"], geoms, strict=True):
            code[shapely.contains_xy(g, x, y)] = kod
        ok = code != ""
        xs.append(np.column_stack([x[ok], y[ok]]))
        codes.append(code[ok])
        have += int(ok.sum())
    xy = np.concatenate(xs)[:n]
    code = np.concatenate(codes)[:n]
    area_ha = np.clip(rng.lognormal(np.log(40), 0.7, n), 5, 150)
    # a regular octagon of radius r has area 2*sqrt(2)*r^2
    radius = np.sqrt(area_ha * 1e4 / (2 * np.sqrt(2)))
    geom = shapely.buffer(shapely.points(xy), radius, quad_segs=2)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"X-{i + 1:05d}" for i in range(n)],
            "name": [f"Slumpområde {i + 1}" for i in range(n)],
            "area_ha": np.round(shapely.area(geom) / 1e4, 2),
            "zoning": rng.choice(["industrial", "in_progress", "none"], n),
            "owner": rng.choice(["municipal", "private", "state"], n),
            "available_from": pd.to_datetime("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D"),
            "kommunkod": pd.array(code, dtype="str"),
        },
        geometry=geom, crs=CRS)
