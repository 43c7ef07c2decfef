"""Arguments and loading shared by the analysis subcommands.

``score``, ``sensitivity``, ``suitability``, ``compare``, ``dossier`` and
``report compare`` all name a profile and a dataset (catalogue, data folder,
region, buffer) the same way; this module declares those options once and
turns them into a loaded profile and LayerSet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from siting.core.errors import Problem, ScoringError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from siting.criteria.profiles import Profile
    from siting.data.layerset import LayerSet

__all__ = ["add_dataset_args", "add_sites_args", "default_region", "load_profile_and_layers",
           "parse_weights", "sites_for"]


def add_dataset_args(p: argparse.ArgumentParser) -> None:
    """Add ``--profile --catalog --data-dir --region --buffer-m`` to a subcommand."""
    p.add_argument("--profile", required=True,
                   help="profile id (criteria/<id>.toml, e.g. battery_plant) or path to a TOML")
    p.add_argument("--catalog", default="demo",
                   help="layer catalogue name (layers/<name>.toml) or path (default: demo)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="data folder (default: the catalogue's [catalog] data_dir)")
    p.add_argument("--region", default=None,
                   help="municipalities: codes or names separated by commas, 'lan:NN', "
                        "'la:NAME' (a local labour-market region) or 'all' (default: the demo "
                        "study area for the demo catalogue, else all)")
    p.add_argument("--buffer-m", type=float, default=None,
                   help="neighbourhood buffer around the study area in metres (default 50000)")
    p.add_argument("--strict", action="store_true",
                   help="count a hard criterion that cannot be decided (no data, or a layer "
                        "that does not cover what it asks) as failed; by default such sites "
                        "rank with the passing ones, flagged 'unknown'")


def add_sites_args(p: argparse.ArgumentParser) -> None:
    """Add ``--sites FILE --layer NAME --sites-crs CRS --resolution M`` to a subcommand."""
    p.add_argument("--sites", type=Path, default=None, metavar="FILE",
                   help="candidate sites from a file (GeoPackage with any layer name, GeoJSON, "
                        "zipped shapefile, or CSV with x/y or lon/lat columns) instead of the "
                        "catalogue's sites layer; needs a site_id field. Without sites, the "
                        "suitability surface's candidate areas and the large industrial sites "
                        "of the study area become named candidate sites")
    p.add_argument("--layer", default=None, metavar="NAME",
                   help="the layer of a --sites file holding several (a GeoPackage)")
    p.add_argument("--sites-crs", default=None, metavar="CRS",
                   help="CRS of the --sites file, e.g. EPSG:3006 (overrides the file's own "
                        "and the x/y -> EPSG:3006, lon/lat -> EPSG:4326 default of CSV files)")
    p.add_argument("--area-resolution", type=float, default=None, metavar="M",
                   help="cell size of the surface that candidate areas come from when there "
                        "are no sites (default 100)")


def sites_for(args: argparse.Namespace, profile: Profile, layerset: LayerSet
              ) -> tuple[gpd.GeoDataFrame | None, str]:
    """The sites to score: the ``--sites`` file, the catalogue's, or named candidate areas.

    Returns
    -------
    (GeoDataFrame or None, str)
        None means the catalogue's sites layer; the string names the source.
    """
    from siting.data.sites import read_sites

    if getattr(args, "sites", None) is not None:
        sites = read_sites(args.sites, layer=args.layer, crs=args.sites_crs)
        return sites, str(args.sites.resolve())
    lyr = layerset.vector("sites")
    if lyr is not None and len(lyr):
        return None, ""
    from siting.surface.candidate_sites import DEFAULT_RESOLUTION_M, candidate_sites

    res = getattr(args, "area_resolution", None) or DEFAULT_RESOLUTION_M
    print(f"No candidate sites in the data: naming the candidate areas of the suitability "
          f"surface ({res:g} m) and the large industrial sites ...", file=sys.stderr)
    sites = candidate_sites(profile, layerset, resolution_m=res,
                            lang=getattr(args, "lang", "sv"))
    if not len(sites):
        raise ScoringError.keyed("problem.sites.none_in_study_area", "candidate sites")
    return sites, f"candidate areas ({res:g} m surface) and industrial sites"


def default_region(catalog_id: str) -> str | list[str]:
    """The region used when none is given: the demo study area for the demo data, else all."""
    if catalog_id == "demo":
        from siting.demo import STUDY_AREA

        return list(STUDY_AREA)
    return "all"


def load_profile_and_layers(args: argparse.Namespace) -> tuple[Profile, LayerSet]:
    """Load the profile and the LayerSet named by :func:`add_dataset_args` options.

    Returns
    -------
    (Profile, LayerSet)
    """
    from siting.criteria.profiles import load_profile
    from siting.data.catalog import load_catalog
    from siting.data.layers import DEFAULT_BUFFER_M, load_layerset

    profile = load_profile(args.profile)
    cat = load_catalog(args.catalog)
    region = args.region if args.region is not None else default_region(cat.id)
    buffer_m = DEFAULT_BUFFER_M if args.buffer_m is None else args.buffer_m
    shown = region if isinstance(region, str) else ",".join(region)
    print(f"Loading '{cat.id}' for region {shown} ...", file=sys.stderr)
    return profile, load_layerset(cat, args.data_dir, region=region, buffer_m=buffer_m)


def parse_weights(text: str, known: list[str]) -> dict[str, float]:
    """Parse ``"a=0.4,b=1"`` into a dict; every problem is reported at once.

    Raises
    ------
    ScoringError
        Malformed items, non-numbers or unknown criterion ids (the known ids are listed).
    """
    out: dict[str, float] = {}
    problems: list[Problem] = []
    for item in (s.strip() for s in text.split(",")):
        if not item:
            continue
        key, sep, val = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem("--weights", f"'{item}'", "", "expected ID=WEIGHT",
                                    "e.g. --weights labour=0.4,grid=0.3"))
            continue
        if key not in known:
            problems.append(Problem("--weights", f"'{item}'", key, "no soft criterion has this id",
                                    f"use one of {', '.join(known)}"))
            continue
        try:
            out[key] = float(val.replace(",", "."))
        except ValueError:
            problems.append(Problem("--weights", f"'{item}'", key, f"'{val}' is not a number"))
    if problems:
        raise ScoringError.from_problems("Invalid --weights", problems)
    return out
