"""``siting layers``: list a catalogue's layers for a region, or check arbitrary files.

Examples
--------
List every layer of the real-data catalogue (data to stdout, notes to stderr)::

    siting layers --catalog sweden_open --data-dir ../shared/data/sweden --json

Check files before adding them to a catalogue (exit 0 when valid, 2 otherwise)::

    siting layers check kommuner.zip stationer.csv --crs EPSG:3006
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pyogrio.errors
import rasterio
import rasterio.errors
import shapely

from siting.core.crs import ANALYSIS_CRS, check_plausible, crs_label, parse_crs
from siting.core.errors import CrsError, DataError, GeometryError, SitingError
from siting.data.fields import normalize_kommunkod
from siting.data.io import file_format
from siting.data.io.raster import open_checked
from siting.data.io.tabular import points_from_table, read_csv
from siting.data.io.vector import gdal_path, list_layers, read_vector
from siting.data.layers import DEFAULT_BUFFER_M, load_layerset
from siting.data.layerset import LoadedLayer, RasterData

__all__ = ["check_file", "layer_summary", "register"]

_LONLAT = (("lon", "lat"), ("longitude", "latitude"), ("lng", "lat"))
_XY = (("x", "y"), ("e", "n"), ("easting", "northing"), ("east", "north"))


def register(subparsers: Any) -> None:
    """Add the ``layers`` command (and its ``check`` subcommand) to the CLI."""
    parser = subparsers.add_parser(
        "layers", help="list a catalogue's layers, or check data files",
        description="List every layer of a catalogue loaded for a region (id, theme, kind, "
                    "type, features, CRS, vintage, licence), or check files with "
                    "'siting layers check PATH...'.")
    parser.add_argument("--catalog", default="demo",
                        help="catalogue name in layers/ or path to a .toml (default: demo)")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the catalogue's files (default: its data_dir)")
    parser.add_argument("--region", default="all",
                        help="'all', kommunkod(s) or names, comma-separated, or lan:NN "
                             "(default: all)")
    parser.add_argument("--buffer-km", type=float, default=DEFAULT_BUFFER_M / 1000.0,
                        help="neighbourhood buffer around the region in km (default: 50)")
    parser.add_argument("--invalid", choices=("repair", "reject"), default="repair",
                        help="invalid geometries: repair them (default) or fail")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=_run_list)

    sub = parser.add_subparsers(dest="layers_action", metavar="ACTION")
    check = sub.add_parser(
        "check", help="check data files with the loaders (CRS, geometry, encoding)",
        description="Read each file with the same readers the catalogue uses and report "
                    "features, CRS, columns and encoding. Exit code 0 when every file is "
                    "valid, 2 otherwise.")
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help="GeoPackage, GeoJSON, Shapefile, .zip, CSV or GeoTIFF")
    check.add_argument("--crs", default=None,
                       help="CRS to assume (overrides the file's), e.g. EPSG:3006")
    check.add_argument("--layer", default=None, help="layer name inside a GeoPackage/zip")
    check.add_argument("--invalid", dest="check_invalid", choices=("repair", "reject"),
                       default="repair",
                       help="'reject' makes invalid geometries an error (default: report them)")
    check.add_argument("--json", dest="check_json", action="store_true",
                       help="print JSON instead of text")
    check.set_defaults(func=_run_check)
    from siting.cli.sites_cmd import register_layers

    register_layers(sub)


# ---------------------------------------------------------------- listing
def layer_summary(lyr: LoadedLayer) -> dict[str, Any]:
    """The JSON-able summary of one loaded layer."""
    spec, rep = lyr.spec, lyr.report
    is_table = spec.kind == "table"
    out: dict[str, Any] = {
        "theme": spec.theme,
        "type": spec.type,
        "kind": spec.kind,
        "features": lyr.n_features,
        "features_in_file": rep.n_read,
        "crs": None if is_table else ANALYSIS_CRS,
        "source_crs": rep.source_crs,
        "vintage": spec.vintage.isoformat(),
        "licence": spec.licence,
        "attribution": spec.attribution,
        "title_sv": spec.title_sv,
        "title_en": spec.title_en,
        "source": spec.source,
        "notes": list(rep.notes),
    }
    if isinstance(lyr.data, RasterData):
        out["shape"] = list(lyr.data.shape)
        out["resolution_m"] = lyr.data.resolution_m
    elif isinstance(lyr.data, gpd.GeoDataFrame):
        out["crs"] = crs_label(lyr.data.crs) or ANALYSIS_CRS
    return out


def _run_list(args: argparse.Namespace) -> int:
    buffer_m = float(args.buffer_km) * 1000.0
    print(f"loading catalogue '{args.catalog}' for region '{args.region}' "
          f"(+{args.buffer_km:g} km) ...", file=sys.stderr)
    ls = load_layerset(args.catalog, data_dir=args.data_dir, region=args.region,
                       buffer_m=buffer_m, invalid=args.invalid)
    summary = {lid: layer_summary(lyr) for lid, lyr in ls.layers.items()}
    print(f"region: {ls.region.label} ({len(ls.region.kommunkoder)} municipalities), "
          f"loaded in {ls.meta.get('load_seconds', 0):.2f} s", file=sys.stderr)
    if args.json:
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        _print_table(summary)
    for lid, item in summary.items():
        for note in item["notes"]:
            print(f"note: {lid}: {note}", file=sys.stderr)
    for lid, files in ls.meta.get("missing_layers", {}).items():
        print(f"missing: {lid}: {', '.join(files)} not in the data folders "
              f"({', '.join(ls.meta.get('data_dirs', ()))}); give the folder with --data-dir",
              file=sys.stderr)
    return 0


def _print_table(summary: dict[str, dict[str, Any]]) -> None:
    head = ("id", "theme", "kind", "type", "features", "crs", "vintage", "licence")
    rows = [head] + [(lid, s["theme"], s["kind"], s["type"], str(s["features"]),
                      s["crs"] or "-", s["vintage"], s["licence"]) for lid, s in summary.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)]
        print("  ".join(cells + [r[-1]]))


# ---------------------------------------------------------------- checking
def _guess_coords(columns: Sequence[str]) -> tuple[str, str, str] | None:
    lower = {c.casefold(): c for c in columns}
    for x, y in _LONLAT:
        if x in lower and y in lower:
            return lower[x], lower[y], "EPSG:4326"
    for x, y in _XY:
        if x in lower and y in lower:
            return lower[x], lower[y], ANALYSIS_CRS
    return None


def _geometry_report(gdf: gpd.GeoDataFrame, source: str, invalid: str) -> dict[str, Any]:
    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    valid_mask = shapely.is_valid(geoms) | empty
    n_invalid = int((~valid_mask).sum())
    notes = []
    if empty.any():
        notes.append(f"{int(empty.sum())} empty or missing geometries (dropped on load)")
    if n_invalid:
        if invalid == "reject":
            fids = ", ".join(str(i) for i in list(gdf.index[~valid_mask])[:10])
            raise GeometryError.single(source, f"{n_invalid} invalid geometries",
                                       location=f"features {fids}",
                                       hint="repair them in QGIS (Fix Geometries) or load with "
                                            "invalid = \"repair\"")
        notes.append(f"{n_invalid} invalid geometries (repaired on load)")
    types = sorted({str(t) for t in gdf.geometry.geom_type.dropna().unique()})
    return {"geometry_types": types, "invalid": n_invalid, "empty": int(empty.sum()),
            "notes": notes}


def _check_vector(path: Path, layer: str | None, crs: str | None,
                  invalid: str) -> list[dict[str, Any]]:
    layers = dict(list_layers(path))
    names = [layer] if layer else list(layers)
    results = []
    for name in names:
        if name in layers and layers[name] in ("None", "", "Unknown (any)") and \
                path.suffix.lower() != ".geojson":
            results.append(_check_table(path, name))
            continue
        read = read_vector(path, layer=name)
        gdf = read.data
        if crs is not None:
            gdf = gdf.set_crs(parse_crs(crs, str(path)), allow_override=True)
        if gdf.crs is None:
            raise CrsError.single(
                str(path), "the data has no coordinate reference system (CRS)",
                location=f"layer '{name}'",
                hint="add the .prj file that belongs to the shapefile, or pass --crs EPSG:3006 "
                     "here and set crs = \"EPSG:3006\" for the layer in the catalogue")
        item = {"path": str(path), "format": "vector", "layer": name,
                "features": read.n_total, "crs": crs_label(gdf.crs),
                "encoding": read.encoding, "codepage": read.codepage,
                "columns": list(read.columns)}
        geo = _geometry_report(gdf, str(path), invalid)
        nonempty = gdf.loc[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
        if len(nonempty):
            check_plausible(tuple(nonempty.total_bounds), gdf.crs, str(path))
        item.update(geo)
        item["notes"] = geo["notes"] + _code_notes(gdf)
        results.append(item)
    return results


def _code_notes(df: Any) -> list[str]:
    notes = []
    for col in df.columns:
        if str(col).casefold() in {"kommunkod", "kommun_kod", "kom_kod", "knkod"}:
            codes = [normalize_kommunkod(v) for v in df[col].dropna()]
            bad = sum(c is None for c in codes)
            unique = len({c for c in codes if c})
            notes.append(f"{col}: {unique} distinct municipality codes (zero-padded)"
                         + (f", {bad} values are not codes" if bad else ""))
    return notes


def _check_csv(path: Path, crs: str | None, invalid: str) -> list[dict[str, Any]]:
    table = read_csv(path)
    df = table.data
    item: dict[str, Any] = {"path": str(path), "format": "csv", "layer": None,
                            "features": len(df), "crs": None,
                            "encoding": table.format.encoding,
                            "separator": table.format.sep, "columns": list(df.columns),
                            "notes": list(table.format.notes)}
    if table.decimal_comma_columns:
        item["notes"].append("decimal comma in: " + ", ".join(table.decimal_comma_columns))
    coords = _guess_coords([str(c) for c in df.columns])
    if coords is not None:
        x, y, guessed = coords
        use = crs or guessed
        if crs is None:
            item["notes"].append(f"coordinates {x}/{y} assumed to be {guessed}; "
                                 "pass --crs to say otherwise")
        gdf = points_from_table(df, x, y, parse_crs(use, str(path)), str(path))
        check_plausible(tuple(gdf.total_bounds), gdf.crs, str(path))
        item["crs"] = crs_label(gdf.crs)
        item.update({k: v for k, v in _geometry_report(gdf, str(path), invalid).items()
                     if k != "notes"})
    else:
        item["notes"].append("no coordinate columns: usable as a table (kind = \"table\")")
    item["notes"].extend(_code_notes(df))
    return [item]


def _check_table(path: Path, layer: str | None) -> dict[str, Any]:
    try:
        df = pyogrio.read_dataframe(gdal_path(path), layer=layer, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise DataError.single(str(path), f"cannot be read as a table ({exc})",
                               hint="save the table as CSV (UTF-8), XLSX or GeoPackage") from exc
    if df.empty:
        raise DataError.single(str(path), "the table has no rows",
                               location=f"layer '{layer}'" if layer else "",
                               hint="add the data rows")
    return {"path": str(path), "format": "table", "layer": layer, "features": len(df),
            "crs": None, "encoding": None, "columns": [str(c) for c in df.columns],
            "notes": ["no geometry: usable as a table (kind = \"table\")", *_code_notes(df)]}


def _check_raster(path: Path, crs: str | None) -> list[dict[str, Any]]:
    try:
        with open_checked(path) as src:
            use = parse_crs(crs, str(path)) if crs else src.crs
            if use is None:
                raise CrsError.single(
                    str(path), "the raster has no coordinate reference system (CRS)",
                    hint="pass --crs here and set crs = \"EPSG:3006\" for the layer in the "
                         "catalogue")
            check_plausible(tuple(src.bounds), use, str(path))
            return [{"path": str(path), "format": "raster", "layer": None,
                     "features": int(src.width * src.height), "crs": crs_label(use),
                     "encoding": None, "columns": [],
                     "shape": [src.height, src.width], "bands": src.count,
                     "dtype": src.dtypes[0], "nodata": src.nodata,
                     "resolution": [float(abs(src.res[0])), float(abs(src.res[1]))],
                     "notes": []}]
    except rasterio.errors.RasterioIOError as exc:
        raise DataError.single(str(path), f"cannot be read as a raster ({exc})",
                               hint="the file may be truncated or not a GeoTIFF") from exc


def check_file(path: str | Path, *, crs: str | None = None, layer: str | None = None,
               invalid: str = "repair") -> list[dict[str, Any]]:
    """Check one file with the loaders; one result per layer read.

    Raises
    ------
    SitingError
        The first problem that makes the file unusable, with file and fix.
    """
    p = Path(path)
    kind = file_format(p)
    if not p.exists():
        raise DataError.single(str(p), "file not found", hint="check the path")
    if kind == "csv":
        return _check_csv(p, crs, invalid)
    if kind == "raster":
        return _check_raster(p, crs)
    if kind == "table":
        return [_check_table(p, layer)]
    return _check_vector(p, layer, crs, invalid)


def _run_check(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    failed = 0
    for path in args.paths:
        try:
            results.extend(check_file(path, crs=args.crs, layer=args.layer,
                                      invalid=args.check_invalid))
        except SitingError as exc:
            failed += 1
            message = str(exc.problems[0]) if len(exc.problems) == 1 else str(exc)
            print(f"error: {message}", file=sys.stderr)
            results.append({"path": str(path), "valid": False, "error": message})
    for item in results:
        item.setdefault("valid", True)
    if args.check_json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2, default=_json_default)
        print()
    else:
        for item in results:
            if not item["valid"]:
                print(f"{item['path']}: INVALID")
                continue
            where = f"{item['path']}" + (f" [{item['layer']}]" if item.get("layer") else "")
            encoding = item.get("encoding") or "-"
            if item.get("codepage"):
                encoding = f"{item['codepage']} (.cpg), read as {encoding}"
            print(f"{where}: OK, {item['format']}, {item['features']} "
                  f"{'cells' if item['format'] == 'raster' else 'features/rows'}, "
                  f"CRS {item['crs'] or '-'}, encoding {encoding}")
            if item.get("columns"):
                print(f"  columns: {', '.join(map(str, item['columns']))}")
            for note in item.get("notes", []):
                print(f"  note: {note}")
    return 2 if failed else 0


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
