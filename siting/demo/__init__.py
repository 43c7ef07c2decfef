"""Demolän: the bundled, deterministic and clearly FICTIONAL demo region.

Demolän is a made-up coastal region in northern Sweden (EPSG:3006, around
x 700 000-860 000, y 7 150 000-7 280 000) with four study municipalities
(9901 Norrvik, 9902 Älvby, 9903 Skogsås, 9904 Bergsjö) and a neighbour in
another county (9801 Grannby). It covers all five themes (land, energy,
logistics, schools, housing) and is written in the formats Swedish
authorities publish: a GeoPackage, RFC 7946 GeoJSON, semicolon CSV with
decimal commas in Windows-1252, and GeoTIFFs. The catalogue
``layers/demo.toml`` describes the files in ``data/demo``.

Everything is derived from one seed with :mod:`numpy` generators; the same
seed always gives the same data.

Examples
--------
>>> from siting.demo import MUNICIPALITIES, STUDY_AREA
>>> [m.name for m in MUNICIPALITIES if m.kommunkod in STUDY_AREA]
['Norrvik', 'Älvby', 'Skogsås', 'Bergsjö']
"""

from __future__ import annotations

from siting.demo._base import BBOX, DEFAULT_SEED, MUNICIPALITIES, STUDY_AREA, MunicipalitySpec
from siting.demo._build import GPKG_LAYERS, GPKG_NAME, build_demo
from siting.demo._sites import DESIGNED_SITES, demo_sites_large

__all__ = [
    "BBOX",
    "DEFAULT_SEED",
    "DESIGNED_SITES",
    "GPKG_LAYERS",
    "GPKG_NAME",
    "MUNICIPALITIES",
    "STUDY_AREA",
    "MunicipalitySpec",
    "build_demo",
    "demo_sites_large",
]
