"""Seed cases for the outcome log: real public processes and fictional demo cases.

- :func:`real_cases`: publicly reported Swedish establishment processes since
  2010, read from ``seed_real.toml`` (every fact from ``shared/DOMAIN.md`` with
  its public source; unknown facts left empty). ``confidentiality = public``,
  ``is_fictional = False``.
- :func:`demo_cases`: FICTIONAL cases in the demo region "Demolän" (kommunkoder
  9901-9904 and the neighbour 9801), titles prefixed ``[FIKTIV]``,
  ``is_fictional = True``. They are generated deterministically from a known
  hidden rule (:data:`DEMO_RULE`) so that learning has a signal to find: wins
  are more likely with high responsiveness, fast planning, site control, high
  grid capacity, a large labour pool and nearby rail.
- :func:`seed_store`: upsert either set (or both) into a store; idempotent
  (seeding twice writes nothing the second time).

Examples
--------
>>> len(real_cases()) >= 15, len(demo_cases()) >= 30
(True, True)
>>> demo_cases() == demo_cases()   # deterministic
True
"""

from __future__ import annotations

import functools
import math
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from siting.core.errors import StoreError
from siting.data.soft_factors import SOFT_FACTORS, factor_ids
from siting.outcomes.access import org_slug
from siting.outcomes.case import Case, case_from_dict
from siting.outcomes.store import OutcomeStore, UpsertReport

__all__ = [
    "DEMO_METRIC_IDS",
    "DEMO_RULE",
    "REAL_SEED_FILE",
    "SEED_USER",
    "demo_cases",
    "demo_kommuner",
    "demo_logit",
    "real_cases",
    "seed_store",
]

REAL_SEED_FILE = Path(__file__).resolve().parent / "seed_real.toml"
SEED_USER = "siting-seed"

#: Where the seeded demo cases of each Demolän municipality lie (EPSG:3006 bounding boxes).
_DEMO_BOXES: dict[str, tuple[float, float, float, float]] = {
    "9901": (812_000.0, 7_205_000.0, 855_000.0, 7_270_000.0),
    "9902": (765_000.0, 7_205_000.0, 808_000.0, 7_270_000.0),
    "9903": (712_000.0, 7_205_000.0, 760_000.0, 7_270_000.0),
    "9904": (740_000.0, 7_158_000.0, 800_000.0, 7_198_000.0),
    "9801": (808_000.0, 7_158_000.0, 855_000.0, 7_198_000.0),
}
@functools.cache
def demo_kommuner() -> MappingProxyType[str, tuple[str, str, tuple[float, float, float, float]]]:
    """Demo municipalities: kommunkod -> (name, id prefix, bounding box in EPSG:3006).

    Names and prefixes are Demolän's own (:data:`siting.demo.MUNICIPALITIES`), read
    when first seeding (importing :mod:`siting.demo` loads geopandas, which a plain
    ``siting.outcomes`` import need not pay for).
    """
    from siting.demo import MUNICIPALITIES

    return MappingProxyType({m.kommunkod: (m.name, m.prefix, _DEMO_BOXES[m.kommunkod])
                             for m in MUNICIPALITIES})


#: Metric ids of the demo snapshots (the numeric metric ids of ``criteria/*.toml``).
DEMO_METRIC_IDS: tuple[str, ...] = (
    "grid_capacity_10km_mw", "dist_substation_400kv_m", "labour_pool_45min", "site_area_ha",
    "dist_rail_m", "dist_port_m", "dist_substation_130kv_m", "substations_15km_count",
    "protected_share", "flood_share", "slope_mean_pct", "dist_university_m",
    "industrial_schools_30km_count", "housing_vacancy_pct",
)

#: The hidden rule behind the demo outcomes: logit(P(won)) = intercept + sum(coef * term).
#: Terms: soft scores are centred on 3; ``grid`` = (grid_capacity_10km_mw - 250) / 150;
#: ``labour`` = ln(labour_pool_45min / 60 000); ``rail`` = (dist_rail_m - 3 000) / 3 000.
DEMO_RULE: MappingProxyType[str, float] = MappingProxyType({
    "intercept": -0.2,
    "soft_responsiveness": 1.0,
    "soft_planning_speed": 0.8,
    "soft_site_control": 0.4,
    "metric_grid_capacity_10km_mw": 1.1,
    "metric_labour_pool_45min": 0.6,
    "metric_dist_rail_m": -0.4,
})

_N_DEMO = 60
_DEMO_SEED = 20_261_122
_INDUSTRY_CYCLE = ("battery", "data_center", "steel", "battery", "data_center")
_PROFILE = {"battery": "battery_plant", "steel": "steelworks", "data_center": "data_center"}
_TITLE_SV = {"battery": "Batterifabrik", "steel": "Stålverk (vätgas)",
             "data_center": "Datacenter"}
_CODE_NAMES = ("Ljung", "Tall", "Gran", "Björk", "Ek", "Lind", "Asp", "Al", "Rönn", "Lönn")
#: Municipality tendencies (soft-score shift, grid level MW, labour pool) for realism.
_KOMMUN_PROFILE = {
    "9901": (0.6, 420.0, 75_000.0),
    "9902": (0.3, 300.0, 60_000.0),
    "9903": (-0.4, 120.0, 25_000.0),
    "9904": (-0.2, 90.0, 18_000.0),
    "9801": (0.2, 180.0, 140_000.0),
}


def real_cases(path: Path | str = REAL_SEED_FILE) -> list[Case]:
    """The real seed cases (validated; raises StoreError naming the case on a bad entry)."""
    path = Path(path)
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    defaults: dict[str, Any] = dict(data.get("defaults", {}))
    cases = []
    for i, entry in enumerate(data.get("case", []), start=1):
        merged = {**defaults, **entry}
        cases.append(case_from_dict(merged, source=path.name,
                                    location=f"case {i} ({entry.get('case_id', '?')})"))
    return cases


def demo_logit(soft: dict[str, int], metrics: dict[str, float]) -> float:
    """The hidden rule's log-odds of a win for one demo case (see :data:`DEMO_RULE`)."""
    terms = {
        "soft_responsiveness": soft["responsiveness"] - 3.0,
        "soft_planning_speed": soft["planning_speed"] - 3.0,
        "soft_site_control": soft["site_control"] - 3.0,
        "metric_grid_capacity_10km_mw": (metrics["grid_capacity_10km_mw"] - 250.0) / 150.0,
        "metric_labour_pool_45min": math.log(metrics["labour_pool_45min"] / 60_000.0),
        "metric_dist_rail_m": (metrics["dist_rail_m"] - 3_000.0) / 3_000.0,
    }
    return DEMO_RULE["intercept"] + sum(DEMO_RULE[k] * v for k, v in terms.items())


def _demo_case(i: int, rng: np.random.Generator) -> Case:
    codes = list(demo_kommuner())
    kommunkod = codes[i % len(codes)]
    name, prefix, (xmin, ymin, xmax, ymax) = demo_kommuner()[kommunkod]
    shift, grid_level, labour_level = _KOMMUN_PROFILE[kommunkod]
    industry = _INDUSTRY_CYCLE[(i // len(codes)) % len(_INDUSTRY_CYCLE)]
    soft = {f: int(np.clip(np.rint(rng.normal(3.0 + shift, 1.1)), 1, 5)) for f in factor_ids()}
    area = {"battery": (50, 150), "steel": (150, 400), "data_center": (20, 60)}[industry]
    metrics = {
        "grid_capacity_10km_mw": round(float(rng.gamma(4.0, grid_level / 4.0)), 1),
        "dist_substation_400kv_m": round(float(rng.uniform(800, 40_000)), 0),
        "labour_pool_45min": round(float(labour_level * rng.lognormal(0.0, 0.35)), 0),
        "site_area_ha": round(float(rng.uniform(*area)), 1),
        "dist_rail_m": round(float(rng.gamma(2.0, 2_000.0)), 0),
        "dist_port_m": round(float(rng.uniform(2_000, 60_000)), 0),
        # not in the hidden rule: noise a learner should not pick up
        "dist_substation_130kv_m": round(float(rng.uniform(300, 15_000)), 0),
        "substations_15km_count": float(rng.integers(0, 6)),
        "protected_share": round(float(rng.choice([0.0, 0.0, 0.0, rng.uniform(0, 0.2)])), 3),
        "flood_share": round(float(rng.choice([0.0, 0.0, 0.0, rng.uniform(0, 0.15)])), 3),
        "slope_mean_pct": round(float(rng.gamma(2.0, 1.5)), 1),
        "dist_university_m": round(float(rng.uniform(5_000, 120_000)), 0),
        "industrial_schools_30km_count": float(rng.integers(0, 8)),
        "housing_vacancy_pct": round(float(rng.uniform(0.2, 4.0)), 1),
    }
    p_win = 1.0 / (1.0 + math.exp(-demo_logit(soft, metrics)))
    u_outcome, u_status = rng.uniform(), rng.uniform()
    outcome = "won" if u_outcome < p_win else "lost"
    if u_status < 0.08:
        outcome = "ongoing"
    elif u_status < 0.17:
        outcome = "withdrawn"
    year_started = int(rng.integers(2012, 2024))
    year_decided = None if outcome == "ongoing" else min(year_started + int(rng.integers(1, 4)),
                                                         2025)
    x = round(float(rng.uniform(xmin + 1_000, xmax - 1_000)), 0)
    y = round(float(rng.uniform(ymin + 1_000, ymax - 1_000)), 0)
    side_m = math.sqrt(metrics["site_area_ha"] * 10_000.0)
    polygon = i % 3 == 0
    geometry = (f"POLYGON (({x} {y}, {x + side_m:.3f} {y}, {x + side_m:.3f} {y + side_m:.3f}, "
                f"{x} {y + side_m:.3f}, {x} {y}))" if polygon else f"POINT ({x} {y})")
    others = [c for c in codes if c != kommunkod]
    n_competing = int(rng.integers(0, 3))
    competing = sorted(rng.choice(others, size=n_competing, replace=False).tolist())
    planning = soft["planning_speed"]
    detaljplan = float(np.clip(round(40 - 7 * planning + rng.normal(0, 3), 1), 4, 48))
    permit = float(np.clip(round(30 - 4 * planning + rng.normal(0, 3), 1), 5, 40))
    power = {"battery": (150, 400), "steel": (500, 1500), "data_center": (30, 300)}[industry]
    evidence = {f: f"[FIKTIV] {SOFT_FACTORS[f].anchor(s, 'sv')}" for f, s in soft.items()}
    strongest = sorted(("responsiveness", "planning_speed", "site_control"),
                       key=lambda f: -soft[f])[:2]
    decisive = [*strongest, "grid_capacity"] if metrics["grid_capacity_10km_mw"] > 300 \
        else strongest
    confidentiality = ("public", "public", "internal", "public", "confidential")[i % 5] \
        if i % 7 else "internal"
    code_name = f"{_CODE_NAMES[i % len(_CODE_NAMES)]}-{i + 1:02d}"
    return case_from_dict({
        "case_id": f"DEMO-{prefix}-{i + 1:02d}",
        "title": f"[FIKTIV] {_TITLE_SV[industry]} {name}, projekt {code_name}",
        "industry": industry, "profile": _PROFILE[industry], "kommunkod": kommunkod,
        "geometry_wkt": geometry, "year_started": year_started, "year_decided": year_decided,
        "outcome": outcome, "competing_kommuner": competing,
        "investment_msek": round(float(rng.uniform(2_000, 40_000)), -2),
        "jobs": int(rng.integers(50, 3_000)),
        "power_mw": round(float(rng.uniform(*power)), 0),
        "land_ha": metrics["site_area_ha"], "detaljplan_months": detaljplan,
        "permit_months": permit, "metrics": metrics,
        "metrics_vintage": "Demolän demo data (fictional), 2026",
        "soft": soft, "soft_evidence": evidence, "decisive_factors": decisive,
        "notes": f"FICTIONAL demonstration case. Hidden-rule win probability {p_win:.2f} "
                 "(see siting.outcomes.seed.DEMO_RULE).",
        "source": "Generated by siting.outcomes.seed (fictional; no real process)",
        "confidentiality": confidentiality, "is_fictional": True,
        "organisation": org_slug(f"{name} fiktiv"),
    }, source="siting.outcomes.seed", location=f"demo case {i + 1}")


def demo_cases(n: int = _N_DEMO, seed: int = _DEMO_SEED) -> list[Case]:
    """The fictional Demolän cases, generated deterministically from :data:`DEMO_RULE`."""
    rng = np.random.default_rng(seed)
    return [_demo_case(i, rng) for i in range(n)]


def seed_store(store: OutcomeStore, which: Literal["real", "demo", "all"] = "all", *,
               user: str = SEED_USER) -> UpsertReport:
    """Upsert the seed cases into ``store`` (idempotent: a second run writes nothing).

    Parameters
    ----------
    store : OutcomeStore
    which : {"real", "demo", "all"}
    user : str
        Recorded as the author of the revisions.
    """
    if which not in ("real", "demo", "all"):
        raise StoreError.single("seed", f"unknown seed set {which!r}",
                                hint="use 'real', 'demo' or 'all'")
    cases: list[Case] = []
    if which in ("real", "all"):
        cases += real_cases()
    if which in ("demo", "all"):
        cases += demo_cases()
    return store.upsert_many(cases, user=user, action="import", comment=f"seed ({which})")
