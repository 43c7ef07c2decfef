"""Infrastructure of Demolän: substations, grid lines, price areas, roads,
railways, rail terminals, ports and the airport.

Positions are given in km, either absolute (x >= 100) or as an offset from
the coast at that northing (x < 100, negative = inland), so the coastal
infrastructure follows the coastline whatever the seed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from siting.demo._base import BBOX, CRS, MUNICIPALITIES, rng_for, wiggly_line
from siting.demo._world import World

__all__ = [
    "SUBSTATIONS",
    "airports",
    "grid_lines",
    "ports",
    "price_areas",
    "rail_terminals",
    "railways",
    "roads",
    "substations",
]

# id, name, voltage kV, available capacity MW, x (km or coast offset), y km
SUBSTATIONS: tuple[tuple[str, str, int, float, float, float], ...] = (
    ("NV400", "Norrvik Hamn", 400, 1400.0, -5.0, 7226.0),
    ("AB400", "Älvby", 400, 350.0, -11.0, 7196.0),
    ("GB400", "Grannby", 400, 600.0, -10.0, 7262.0),
    ("NV220", "Norrvik Västra", 220, 250.0, -14.0, 7236.0),
    ("SK220", "Skogsås", 220, 300.0, 755.5, 7231.0),
    ("AB220", "Älvby Norra", 220, 180.0, -20.0, 7206.0),
    ("BS220", "Lillforsen", 220, 150.0, 720.0, 7197.5),
    ("GB220", "Grannby Södra", 220, 220.0, -9.0, 7254.0),
    ("NV130", "Norrvik Centrum", 130, 40.0, -4.5, 7234.5),
    ("YT130", "Ytterbyn", 130, 25.0, -6.5, 7216.5),
    ("SB130", "Storbäcken", 130, 15.0, -22.5, 7245.5),
    ("AB130", "Älvby Centrum", 130, 60.0, -7.5, 7193.5),
    ("SO130", "Sörbyn", 130, 20.0, -7.0, 7172.0),
    ("FN130", "Forsnäs", 130, 30.0, -24.0, 7200.0),
    ("SV130", "Skogsås Västra", 130, 10.0, 730.0, 7241.0),
    ("MH130", "Myrheden", 130, 20.0, 772.0, 7250.5),
    ("BS130", "Bergsjö", 130, 35.0, 737.0, 7176.5),
    ("LS130", "Lillsjö", 130, 15.0, 724.0, 7166.0),
    ("GB130", "Grannby Centrum", 130, 70.0, -4.5, 7268.0),
    ("NB130", "Norrbyn", 130, 25.0, -28.0, 7271.0),
)

# grid lines: (id, voltage kV, [node or (x, y) ...])
_LINES: tuple[tuple[str, int, tuple[str | tuple[float, float], ...]], ...] = (
    ("L400-1", 400, ((-12.0, 7280.0), "GB400", "NV400")),
    ("L400-2", 400, ("NV400", "AB400")),
    ("L400-3", 400, ("AB400", (-14.0, 7150.0))),
    ("L400-4", 400, ((700.0, 7247.0), (728.0, 7245.5), (760.0, 7239.0), (790.0, 7232.0),
                     "NV400")),
    ("L220-1", 220, ("NV400", "NV220")),
    ("L220-2", 220, ("NV220", (790.0, 7236.5), "SK220")),
    ("L220-3", 220, ("AB400", "AB220")),
    ("L220-4", 220, ("AB220", "FN130", (760.0, 7193.0), "BS220")),
    ("L220-5", 220, ("GB400", "GB220")),
    ("L220-6", 220, ("GB220", "NV220")),
    ("L130-1", 130, ("NV400", "NV130")),
    ("L130-2", 130, ("NV400", "YT130")),
    ("L130-3", 130, ("NV220", "SB130")),
    ("L130-4", 130, ("AB400", "AB130")),
    ("L130-5", 130, ("AB130", "SO130")),
    ("L130-6", 130, ("SK220", "SV130")),
    ("L130-7", 130, ("SK220", "MH130")),
    ("L130-8", 130, ("BS220", "BS130", "LS130")),
    ("L130-9", 130, ("GB400", "GB130")),
    ("L130-10", 130, ("GB400", "NB130")),
)

# road network nodes (x km or coast offset, y km)
_NODES: dict[str, tuple[float, float]] = {
    "E_S": (-9.0, 7150.0), "J_SO": (-8.5, 7172.5), "J_AB": (-8.5, 7194.0),
    "J_YT": (-7.5, 7218.0), "J_NV": (-6.5, 7233.0), "J_AIR": (-8.5, 7249.0),
    "J_GB": (-8.0, 7265.0), "E_N": (-9.0, 7280.0),
    "AB": (-7.0, 7192.0), "NV": (-4.0, 7232.0), "GB": (-5.0, 7266.0),
    "FN": (-24.0, 7198.5), "RV94_1": (772.0, 7191.0), "BS": (738.0, 7178.5),
    "LS": (723.0, 7167.0), "W_94": (700.0, 7168.0),
    "RV93_1": (790.0, 7236.0), "SK": (752.0, 7228.0), "W_93": (700.0, 7232.0),
    "LV360_1": (745.0, 7205.0), "MH": (772.0, 7252.0), "NB": (-28.0, 7272.0),
    "SB": (-22.0, 7244.0), "YT": (-6.0, 7218.0), "SO": (-6.0, 7171.0),
    "GL": (733.0, 7246.0), "FJ": (722.0, 7266.0), "PORT": (-0.6, 7228.5),
    "AIR": (-10.0, 7251.0),
}

# (id, class, speed km/h, number, [nodes])
_ROADS: tuple[tuple[str, int, float, str, tuple[str, ...]], ...] = (
    ("E4", 1, 100.0, "E4", ("E_S", "J_SO", "J_AB", "J_YT", "J_NV", "J_AIR", "J_GB", "E_N")),
    ("RV93", 2, 90.0, "93", ("J_NV", "RV93_1", "SK", "W_93")),
    ("RV94", 2, 90.0, "94", ("J_AB", "FN", "RV94_1", "BS", "LS", "W_94")),
    ("LV360", 3, 80.0, "360", ("SK", "LV360_1", "BS")),
    ("LV365", 3, 80.0, "365", ("SK", "MH", "NB", "J_GB")),
    ("LV370", 3, 70.0, "370", ("J_NV", "PORT")),
    ("LV371", 4, 70.0, "371", ("RV93_1", "SB", "J_AIR")),
    ("LV372", 4, 70.0, "372", ("J_YT", "YT")),
    ("LV373", 4, 70.0, "373", ("J_SO", "SO")),
    ("LV374", 4, 70.0, "374", ("SK", "GL", "FJ")),
    ("LV375", 4, 60.0, "375", ("J_AIR", "AIR")),
    ("GATA-NV", 4, 50.0, "", ("J_NV", "NV")),
    ("GATA-AB", 4, 50.0, "", ("J_AB", "AB")),
    ("GATA-GB", 4, 50.0, "", ("J_GB", "GB")),
)

_RAIL_NODES: dict[str, tuple[float, float]] = {
    "R_N": (-11.0, 7280.0), "R_GB": (-6.5, 7265.5), "R_1": (-10.0, 7250.0),
    "R_NV": (-5.5, 7231.0), "R_JN": (-8.0, 7228.0), "R_2": (-8.0, 7218.0),
    "R_AB": (-8.5, 7191.0), "R_S": (-10.0, 7150.0), "R_B1": (790.0, 7233.0),
    "R_B2": (770.0, 7231.0), "R_SK": (753.5, 7227.0), "R_HAMN": (-1.5, 7228.5),
}

# (id, name, track, [nodes])
_RAILS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("KB-1", "Kustbanan", "single_track", ("R_N", "R_GB", "R_1", "R_NV")),
    ("KB-2", "Kustbanan", "double_track", ("R_NV", "R_JN")),
    ("KB-3", "Kustbanan", "single_track", ("R_JN", "R_2", "R_AB", "R_S")),
    ("SB-1", "Skogsåsbanan", "single_track", ("R_JN", "R_B1", "R_B2", "R_SK")),
    ("HS-1", "Hamnspåret", "single_track", ("R_NV", "R_HAMN")),
)


def _xy(world: World, ref: str | tuple[float, float], nodes: dict[str, tuple[float, float]]
        ) -> tuple[float, float]:
    if isinstance(ref, str):
        ref = nodes[ref]
    x, y = world.coast.resolve(*ref)
    return (round(x, 1), round(y, 1))


def substations(world: World) -> gpd.GeoDataFrame:
    """Substations with voltage and available capacity (Swedish source columns)."""
    rows = []
    for sid, name, kv, mw, x, y in SUBSTATIONS:
        px, py = world.coast.resolve(x, y)
        rows.append({"station_id": sid, "namn": f"{name} {kv}", "spanning_kv": kv,
                     "ledig_kapacitet_mw": mw, "geometry": Point(round(px, 1), round(py, 1))})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def grid_lines(world: World) -> gpd.GeoDataFrame:
    """400 kV backbone, 220 kV and 130 kV lines joining the substations."""
    rng = rng_for(world.seed, "grid_lines")
    nodes = {s[0]: (s[4], s[5]) for s in SUBSTATIONS}
    rows = []
    for lid, kv, refs in _LINES:
        pts = [_xy(world, r, nodes) for r in refs]
        rows.append({"ledning_id": lid, "spanning_kv": kv,
                     "geometry": wiggly_line(pts, rng, amplitude_m=250.0, step_m=1500.0)})
    return _clip(gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS))


def price_areas(world: World) -> gpd.GeoDataFrame:
    """Electricity price areas: the region straddles the SE1/SE2 border."""
    by_area: dict[str, list] = {}
    for spec, geom in zip(MUNICIPALITIES, world.municipalities.geometry, strict=True):
        by_area.setdefault(spec.price_area, []).append(geom)
    rows = [{"elomrade": area, "geometry": shapely.union_all(geoms)}
            for area, geoms in sorted(by_area.items())]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def roads(world: World) -> gpd.GeoDataFrame:
    """A connected road network: one feature per link between two junctions."""
    rng = rng_for(world.seed, "roads")
    rows = []
    for rid, cls, speed, number, refs in _ROADS:
        pts = [_xy(world, r, _NODES) for r in refs]
        for k, (a, b) in enumerate(zip(pts[:-1], pts[1:], strict=True), start=1):
            length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
            amp = min(length * (0.02 if cls == 1 else 0.05), 1500.0)
            rows.append({"vag_id": f"{rid}-{k}", "vagnummer": number, "vagklass": cls,
                         "hastighet_kmh": speed,
                         "geometry": wiggly_line([a, b], rng, amplitude_m=amp, step_m=500.0)})
    return _clip(gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS))


def railways(world: World) -> gpd.GeoDataFrame:
    """The coastal main line, the inland branch to Skogsås and the harbour spur."""
    rng = rng_for(world.seed, "railways")
    rows = []
    for rid, name, track, refs in _RAILS:
        pts = [_xy(world, r, _RAIL_NODES) for r in refs]
        rows.append({"bana_id": rid, "bannamn": name, "spar": track,
                     "geometry": wiggly_line(pts, rng, amplitude_m=200.0, step_m=1000.0)})
    return _clip(gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS))


def rail_terminals(world: World) -> gpd.GeoDataFrame:
    """Stations and terminals on the railway."""
    spec = (
        ("RT-1", "Norrvik kombiterminal", "intermodal", (-2.5, 7228.5)),
        ("RT-2", "Norrvik C", "station", _RAIL_NODES["R_NV"]),
        ("RT-3", "Älvby station", "station", _RAIL_NODES["R_AB"]),
        ("RT-4", "Grannby C", "station", _RAIL_NODES["R_GB"]),
        ("RT-5", "Skogsås godsterminal", "freight", _RAIL_NODES["R_SK"]),
    )
    rows = [{"terminal_id": tid, "namn": name, "typ": kind,
             "geometry": Point(_xy(world, xy, {}))} for tid, name, kind, xy in spec]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def ports(world: World) -> gpd.GeoDataFrame:
    """The deep-water port of Norrvik and the river port of Älvby."""
    spec = (
        ("HAMN-1", "Norrviks hamn", 13.0, (0.3, 7228.5)),
        ("HAMN-2", "Älvby hamn", 7.0, (0.3, 7190.2)),
    )
    rows = [{"hamn_id": pid, "namn": name, "djupgaende_m": draught,
             "geometry": Point(_xy(world, xy, {}))} for pid, name, draught, xy in spec]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def airports(world: World) -> gpd.GeoDataFrame:
    """The regional airport between Norrvik and Grannby."""
    rows = [{"flygplats_id": "FP-1", "namn": "Norrvik-Grannby flygplats", "iata": "XDM",
             "geometry": Point(_xy(world, _NODES["AIR"], {}))}]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _clip(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame["geometry"] = frame.geometry.intersection(shapely.box(*BBOX))
    frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    lengths = np.asarray(frame.geometry.length)
    return frame[lengths > 0].reset_index(drop=True)
