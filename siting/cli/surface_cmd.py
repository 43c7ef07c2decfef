"""``siting suitability`` and ``siting compare``: the suitability surface and municipality comparison.

Examples
--------
::

    siting suitability --profile battery_plant --out battery.tif --areas areas.gpkg
    siting suitability --profile data_center --catalog sweden_open --region lan:25 \\
        --resolution 250 --out dc_norrbotten.tif
    siting suitability --profile battery_plant --catalog sweden_open --region all \\
        --resolution 10 --out se10.tif --areas se10.gpkg --scheduler tcp://head:8786
    siting compare --profile battery_plant --region 9901,9902,9903,9904 --out compare.csv
    siting compare --profile steelworks --catalog sweden_open --region lan:25 --out nb.csv

The surface is streamed to the GeoTIFF tile by tile (with a companion
``*.municipality.tif``) and candidate areas are read back strip by strip, so
memory stays bounded by the tile size. Defaults: catalogue ``demo``; region = the demo study area (9901-9904) for the
demo catalogue, ``all`` otherwise. Errors exit with code 2 and a plain message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting.cli._args import add_dataset_args, load_profile_and_layers
from siting.cli.sites_cmd import add_workspace_args, workspace_content
from siting.core.errors import ScoringError

if TYPE_CHECKING:  # pragma: no cover
    from siting.criteria.profiles import Profile
    from siting.data.layerset import LayerSet

__all__ = ["register", "run_compare", "run_suitability"]


def register(subparsers: Any) -> None:
    """Add the ``suitability`` and ``compare`` subcommands."""
    suit = subparsers.add_parser(
        "suitability", help="suitability surface (GeoTIFF) and candidate areas for a profile",
        description="Evaluate the profile on every cell of a grid over the study area: cells "
                    "failing a hard criterion are nodata, the others get a score 0-100. Writes "
                    "a GeoTIFF (EPSG:3006, float32, overviews) and optionally the candidate "
                    "areas (connected suitable land of at least the profile's minimum size).")
    _common(suit)
    suit.add_argument("--resolution", type=float, default=100.0, metavar="M",
                      help="cell size in metres (default 100)")
    suit.add_argument("--tile", type=int, default=1024, metavar="PX",
                      help="tile edge in cells (memory bound; default 1024)")
    suit.add_argument("--out", type=Path, required=True, metavar="FILE.tif",
                      help="GeoTIFF to write")
    suit.add_argument("--areas", type=Path, default=None, metavar="FILE.gpkg",
                      help="also write the candidate areas (GeoPackage, or .geojson/.csv)")
    suit.add_argument("--threshold", type=float, default=None,
                      help="minimum cell score of candidate areas (default: the median of the "
                           "suitable cells)")
    suit.add_argument("--min-area-ha", type=float, default=None,
                      help="minimum candidate area (default: the profile's min_area_ha)")
    suit.add_argument("--workers", type=int, default=None, metavar="N",
                      help="compute tiles on a local Dask cluster of N worker processes "
                           "(default: in this process)")
    suit.add_argument("--scheduler", default=None, metavar="ADDRESS",
                      help="compute tiles on the Dask cluster at ADDRESS (tcp://host:8786; "
                           "default: $SITING_DASK_SCHEDULER)")
    suit.set_defaults(func=run_suitability)

    comp = subparsers.add_parser(
        "compare", help="compare municipalities for a profile",
        description="One row per municipality: best candidate site (or, without sites, best "
                    "candidate area of the suitability surface), share of its land passing the "
                    "hard criteria, key metrics, score and rank. Writes CSV.")
    _common(comp)
    comp.add_argument("--resolution", type=float, default=250.0, metavar="M",
                      help="cell size of the surface in metres (default 250)")
    comp.add_argument("--municipalities", default="all",
                      help="report only these study municipalities (codes/names, default all)")
    comp.add_argument("--sites", type=Path, default=None, metavar="FILE",
                      help="candidate sites from a file instead of the catalogue's sites layer")
    add_workspace_args(comp, toggle=True)
    comp.add_argument("--out", type=Path, required=True, metavar="FILE.csv",
                      help="CSV file to write")
    comp.set_defaults(func=run_compare)


def _common(p: argparse.ArgumentParser) -> None:
    add_dataset_args(p)


def _load(args: argparse.Namespace) -> tuple[Profile, LayerSet]:
    return load_profile_and_layers(args)


def run_suitability(args: argparse.Namespace) -> int:
    """Compute the surface, write the GeoTIFF (and the candidate areas)."""
    from siting.surface.candidates import candidate_areas
    from siting.surface.run import suitability_surface

    if args.out.suffix.lower() not in (".tif", ".tiff"):
        raise ScoringError.single("--out", f"'{args.out}' is not a .tif file",
                                  hint="give a path ending in .tif")
    if args.areas is not None and args.areas.suffix.lower() not in (".gpkg", ".geojson",
                                                                     ".csv"):
        raise ScoringError.single("--areas", f"'{args.areas}' has an unknown suffix",
                                  hint="use .gpkg, .geojson or .csv")
    profile, ls = _load(args)
    surface = suitability_surface(profile, ls, resolution_m=args.resolution, tile_px=args.tile,
                                  out_path=args.out, progress=True, in_memory=False,
                                  workers=args.workers, scheduler=args.scheduler,
                                  strict=getattr(args, "strict", False))
    rows, cols = surface.shape
    print(f"{profile.name_en}: {rows} x {cols} cells of {surface.resolution_m:g} m, "
          f"{surface.passing_share():.1%} of the study area passes the hard criteria, "
          f"{surface.provenance['seconds']:.1f} s -> {surface.path}")
    for cid, share in surface.excluded_share.items():
        if share == share:
            print(f"  excluded by {cid}: {share:.1%}")
    for note in surface.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.areas is not None:
        areas = candidate_areas(surface, min_area_ha=args.min_area_ha, threshold=args.threshold)
        _write_areas(areas, args.areas)
        print(f"{len(areas)} candidate areas (score >= {areas.attrs['threshold']:.1f}, "
              f">= {areas.attrs['min_area_ha']:g} ha) -> {args.areas}")
    return 0


def _write_areas(areas: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        areas.to_file(path, layer="candidate_areas", driver="GPKG")
    elif suffix == ".geojson":
        areas.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        frame = areas.drop(columns="geometry")
        frame["wkt"] = areas.geometry.to_wkt()
        frame.to_csv(path, index=False)


def run_compare(args: argparse.Namespace) -> int:
    """Compare municipalities and write the CSV."""
    from siting.compare import compare_region

    if args.out.suffix.lower() != ".csv":
        raise ScoringError.single("--out", f"'{args.out}' is not a .csv file",
                                  hint="give a path ending in .csv")
    profile, ls = _load(args)
    sites = None
    if args.sites is not None:
        from siting.data.sites import read_sites

        sites = read_sites(args.sites)
    else:
        own_sites, own_layers = workspace_content(args)
        if own_sites or own_layers:
            from siting.scoring.workspace import with_workspace_layers, workspace_sites

            ls = with_workspace_layers(ls, own_layers)
            sites = workspace_sites(ls, own_sites)
    table = compare_region(profile, ls, args.municipalities, sites=sites,
                           resolution_m=args.resolution, progress=True,
                           strict=getattr(args, "strict", False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    for note in table.attrs.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    shown = table.head(10)
    for _, r in shown.iterrows():
        score = f"{r['score']:.1f}" if r["score"] == r["score"] else "-"
        print(f"{int(r['rank']):>3}  {r['kommunkod']}  {str(r['name'])[:18]:<18} {score:>6}  "
              f"{r['status']:<8} "
              f"{r['best_site'] or '-':<12} land passing {r['land_pass_share']:.1%}")
    print(f"{len(table)} municipalities -> {args.out}")
    return 0
