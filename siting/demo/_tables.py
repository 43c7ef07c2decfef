"""Tables and schools of Demolän: municipality statistics, housing, the
municipal self-assessment of soft factors, and schools."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from siting.data.soft_factors import factor_ids
from siting.demo._base import CRS, MUNICIPALITIES, rng_for
from siting.demo._world import World

__all__ = ["housing", "municipal_assessment", "municipality_stats", "schools"]

# (town, name, school type, pupils, industrial programme)
_SCHOOLS = (
    ("Norrvik", "Centrumskolan", "compulsory", 540, False),
    ("Norrvik", "Hamnskolan", "compulsory", 410, False),
    ("Norrvik", "Bergsskolan", "compulsory", 380, False),
    ("Norrvik", "Västerskolan", "compulsory", 455, False),
    ("Norrvik", "Norrängsskolan", "compulsory", 300, False),
    ("Norrvik", "Norrviks gymnasium", "upper_secondary", 950, True),
    ("Norrvik", "Teknikcollege Norrvik", "upper_secondary", 320, True),
    ("Norrvik", "Yrkeshögskolan Norrvik", "vocational", 240, True),
    ("Ytterbyn", "Ytterby skola", "compulsory", 140, False),
    ("Storbäcken", "Storbäckens skola", "compulsory", 65, False),
    ("Älvby", "Älvskolan", "compulsory", 480, False),
    ("Älvby", "Åkerskolan", "compulsory", 350, False),
    ("Älvby", "Kyrkskolan", "compulsory", 290, False),
    ("Älvby", "Älvby gymnasieskola", "upper_secondary", 620, True),
    ("Älvby", "Älvby lärcentrum", "vocational", 90, False),
    ("Forsnäs", "Forsnäs skola", "compulsory", 95, False),
    ("Sörbyn", "Sörby skola", "compulsory", 55, False),
    ("Skogsås", "Skogsåsskolan", "compulsory", 420, False),
    ("Skogsås", "Skogsås naturbruksgymnasium", "upper_secondary", 180, False),
    ("Granliden", "Granlidens skola", "compulsory", 40, False),
    ("Myrheden", "Myrhedens skola", "compulsory", 35, False),
    ("Bergsjö", "Bergsjö skola", "compulsory", 310, False),
    ("Lillsjö", "Lillsjö skola", "compulsory", 45, False),
    ("Grannby", "Domkyrkoskolan", "compulsory", 560, False),
    ("Grannby", "Ängsskolan", "compulsory", 470, False),
    ("Grannby", "Östra skolan", "compulsory", 520, False),
    ("Grannby", "Sjöskolan", "compulsory", 390, False),
    ("Grannby", "Grannby gymnasium", "upper_secondary", 1400, False),
    ("Grannby", "Grannby tekniska gymnasium", "upper_secondary", 600, True),
    ("Grannby", "YH Grannby", "vocational", 300, True),
    ("Grannby", "Grannby universitet, campus", "university", 9500, True),
    ("Norrbyn", "Norrbyns skola", "compulsory", 210, False),
)

# soft factors 1-5 in siting.data.soft_factors order, then detaljplan and permit months
_ASSESSMENT = {
    "9901": ((5, 5, 5, 4, 5, 4, 5, 4, 4), 9, 12),   # Norrvik: strong
    "9902": ((4, 3, 4, 3, 3, 3, 3, 4, 3), 18, 16),  # Älvby: mixed, good
    "9903": ((3, 2, 4, 2, 2, 4, 2, 3, 2), 24, 20),  # Skogsås: mixed
    "9904": ((2, 1, 2, 1, 1, 2, 1, 2, 1), 36, 26),  # Bergsjö: weak
    "9801": ((4, 4, 2, 3, 3, 2, 4, 5, 5), 14, 15),  # Grannby: skills strong, land tight
}

# vacancy %, planned dwellings per 1 000 residents
#: FICTIONAL per-kommun statistics: rental share of households, post-secondary share
#: (25-64), grade-9 upper-secondary eligibility %, median income (kSEK), tax rate %.
_STATS = {"9901": (0.34, 0.42, 86.5, 295.0, 22.4), "9902": (0.27, 0.33, 82.0, 281.0, 22.9),
          "9903": (0.19, 0.26, 78.5, 262.0, 23.3), "9904": (0.16, 0.24, 80.0, 255.0, 23.5),
          "9801": (0.38, 0.47, 88.0, 305.0, 22.1)}
_HOUSING = {"9901": (1.2, 22.0), "9902": (2.5, 14.0), "9903": (4.8, 6.0),
            "9904": (6.5, 3.0), "9801": (0.6, 28.0)}


def schools(world: World) -> gpd.GeoDataFrame:
    """Schools as points with Swedish column names (written as a lon/lat CSV)."""
    rng = rng_for(world.seed, "schools")
    shapes = dict(zip(world.built_up["name"], world.built_up.geometry, strict=True))
    counters: dict[str, int] = {}
    rows = []
    for town_name, name, kind, pupils, industrial in _SCHOOLS:
        town = world.town(town_name)
        shape = shapes[town_name]
        inner = shape.buffer(-150.0)
        inner = inner if not inner.is_empty else shape
        radius = np.sqrt(shape.area / np.pi)
        for _ in range(200):
            ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.7) * radius
            pt = Point(round(town.x + dist * np.cos(ang), 1), round(town.y + dist * np.sin(ang), 1))
            if inner.contains(pt):
                break
        else:  # pragma: no cover - the centre is always inside
            pt = shapely.Point(town.xy)
        counters[town.kommunkod] = counters.get(town.kommunkod, 0) + 1
        rows.append({"skolenhetskod": f"{town.kommunkod}{counters[town.kommunkod]:04d}",
                     "skolnamn": name, "skolform": kind, "antal_elever": pupils,
                     "industriprogram": industrial, "kommunkod": town.kommunkod,
                     "geometry": pt})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def municipality_stats(world: World) -> pd.DataFrame:
    """Population, working-age population, land area, price area and (fictional) statistics."""
    grid = world.population_grid
    pop = grid.groupby("kommunkod")["population"].sum()
    work = grid.groupby("kommunkod")["working_age_population"].sum()
    lakes = world.lake_union
    rows = []
    for spec, geom in zip(MUNICIPALITIES, world.municipalities.geometry, strict=True):
        rows.append({"kommunkod": spec.kommunkod, "kommunnamn": spec.name,
                     "folkmangd": int(pop[spec.kommunkod]),
                     "befolkning_20_64": int(work[spec.kommunkod]),
                     "landareal_km2": round(geom.difference(lakes).area / 1e6, 1),
                     "elomrade": spec.price_area,
                     **dict(zip(("andel_hyresratt", "andel_eftergymnasial",
                                 "gymnasiebehorighet_pct", "medianinkomst_tkr",
                                 "kommunalskatt_pct"), _STATS[spec.kommunkod], strict=True))})
    return pd.DataFrame(rows)


def housing(world: World) -> pd.DataFrame:
    """Dwellings, rental vacancy and planned dwellings per municipality."""
    rng = rng_for(world.seed, "housing")
    pop = world.population_grid.groupby("kommunkod")["population"].sum()
    rows = []
    for spec in MUNICIPALITIES:
        vacancy, planned_per_1000 = _HOUSING[spec.kommunkod]
        people = int(pop[spec.kommunkod])
        rows.append({"kommunkod": spec.kommunkod,
                     "antal_bostader": int(round(people / rng.uniform(2.0, 2.2))),
                     "vakansgrad_pct": vacancy,
                     "planerade_bostader": int(round(people * planned_per_1000 / 1000))})
    return pd.DataFrame(rows)


def municipal_assessment() -> pd.DataFrame:
    """Each municipality's self-assessment of the soft factors (1-5) and lead times."""
    ids = factor_ids()
    rows = []
    for spec in MUNICIPALITIES:
        scores, plan_months, permit_months = _ASSESSMENT[spec.kommunkod]
        if len(scores) != len(ids):  # pragma: no cover - guards a change of the factor list
            raise ValueError("update _ASSESSMENT to the factors in siting.data.soft_factors")
        row: dict = {"kommunkod": spec.kommunkod, "kommunnamn": spec.name}
        row.update({fid: float(s) for fid, s in zip(ids, scores, strict=True)})
        row["detaljplan_manader"] = float(plan_months)
        row["tillstand_manader"] = float(permit_months)
        rows.append(row)
    return pd.DataFrame(rows)

