"""Build the national base that ships with the package (``siting/data/sweden/``).

The shared evaluation pack (``../shared/data/sweden``) holds real public data
under several licences. Only files whose licence allows redistribution
(CC0, CC BY, ODbL, MIT, public domain) are copied into the package; the rest
are read from a data folder the user points at (catalogue layers marked
``user_data = true``) and listed as missing when absent.

One file is derived here rather than copied: ``kommuner_land.geojson``, the
Lantmäteriet kommun polygons (CC0, with sea areas) clipped to the SCB local
labour-market regions (CC0, land), dissolved per kommunkod and given each
kommun's LA 2022 region. It replaces the pack's ``kommuner.geojson`` (licence
unstated) as the boundary layer regions are built from.

Run once when the pack changes::

    python -m siting.data.bundle ../shared/data/sweden siting/data/sweden
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import shapely

__all__ = ["BUNDLED_FILES", "BUNDLE_DIR", "build_bundle", "build_kommuner_land"]

logger = logging.getLogger(__name__)

#: Where the bundled national base lives inside the package.
BUNDLE_DIR = Path(__file__).resolve().parent / "sweden"

#: Pack files copied as they are, with the licence that allows it (SOURCES.md section).
BUNDLED_FILES: dict[str, str] = {
    "osm_grid_lines.geojson": "ODbL 1.0 (© OpenStreetMap contributors), SOURCES §7",
    "osm_grid_nodes.geojson": "ODbL 1.0 (© OpenStreetMap contributors), SOURCES §7",
    "airports.csv": "ODbL 1.0 (OpenFlights), SOURCES §8",
    "ports.csv": "Public domain (Natural Earth), SOURCES §9",
    "industrial_sites.csv": "CC BY 4.0 (Hotmaps), SOURCES §11",
    "railways.geojson": "CC0 1.0 (Lantmäteriet open data), SOURCES §13",
    "price_areas.geojson": "MIT (EnergieID/entsoe-py), SOURCES §15",
    "kommun_price_area.csv": "MIT (derived from §15), SOURCES §16",
    "tatorter_2020.csv": "CC0 1.0 (borstell/swemapdata; Källa: SCB), SOURCES §17",
    "lokal_arbetsmarknader.geojson": "CC0 1.0 (borstell/swemapdata; Källa: SCB), SOURCES §18",
    "naturreservat.geojson": "CC0 1.0 (Naturvårdsverket via Wikimedia Commons), SOURCES §19",
    "kommun_housing_scb.csv": "CC0 1.0 (SCB open data), SOURCES §24",
    "kommun_education_scb.csv": "CC0 1.0 (SCB open data), SOURCES §26",
    "kommun_population_income_scb.csv": "CC0 1.0 (SCB open data), SOURCES §27",
    "native/lm_kommuner_1milj.zip": "CC0 1.0 (Lantmäteriet open data), SOURCES native/",
    "native/lm_tatorter_1milj.zip": "CC0 1.0 (Lantmäteriet open data), SOURCES native/",
    "native/nvdb_uppsala_vagkategori.zip": "CC0 1.0 (Trafikverket open data), SOURCES native/",
}


def build_kommuner_land(pack_dir: Path) -> gpd.GeoDataFrame:
    """Lantmäteriet kommuner clipped to the LA 2022 land polygons, with their LA region.

    Returns
    -------
    GeoDataFrame
        EPSG:3006; ``kommunkod`` (4 characters), ``kommun``, ``lanskod``,
        ``lan``, ``la_code``, ``la_name``; one row per kommun.
    """
    lm = gpd.read_file(f"zip://{pack_dir / 'native' / 'lm_kommuner_1milj.zip'}")
    lm["kommunkod"] = lm["KOMMUNKOD"].astype(int).astype(str).str.zfill(4)
    parts = lm.dissolve(by="kommunkod", aggfunc="first").reset_index()
    la = gpd.read_file(pack_dir / "lokal_arbetsmarknader.geojson").to_crs(3006)
    land = shapely.union_all(la.geometry.to_numpy())
    la_of = {code: (row.la_code, row.la_name) for row in la.itertuples()
             for code in str(row.kommunkoder).split(";")}
    geoms = shapely.make_valid(shapely.intersection(parts.geometry.to_numpy(), land))
    out = gpd.GeoDataFrame({
        "kommunkod": parts["kommunkod"],
        "kommun": parts["KOMMUNNAMN"].astype(str),
        "lanskod": parts["kommunkod"].str[:2],
        "lan": parts["LANSNAMN"].astype(str),
        "la_code": [la_of[c][0] for c in parts["kommunkod"]],
        "la_name": [la_of[c][1] for c in parts["kommunkod"]],
    }, geometry=geoms, crs=3006)
    if len(out) != 290 or out.geometry.is_empty.any():
        raise ValueError(f"expected 290 non-empty kommuner, got {len(out)}")
    return out.sort_values("kommunkod").reset_index(drop=True)


def build_bundle(pack_dir: str | Path, out_dir: str | Path = BUNDLE_DIR) -> list[Path]:
    """Copy the redistributable pack files and write the derived kommun layer.

    Returns
    -------
    list of Path
        The files written.
    """
    src, dst = Path(pack_dir), Path(out_dir)
    written: list[Path] = []
    for name in BUNDLED_FILES:
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, target)
        written.append(target)
    kommuner = build_kommuner_land(src).to_crs(4326)
    target = dst / "kommuner_land.geojson"
    if target.exists():
        target.unlink()
    kommuner.to_file(target, driver="GeoJSON", RFC7946="YES", COORDINATE_PRECISION=6)
    written.append(target)
    written.append(_write_sources(src / "SOURCES.md", dst / "SOURCES.md"))
    logger.info("wrote %d files to %s", len(written), dst)
    return written


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of every ``##``/``###`` section of the pack's SOURCES.md."""
    parts = re.split(r"(?m)^(#{2,3} .*)$", text)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def _write_sources(pack_sources: Path, target: Path) -> Path:
    """SOURCES.md of the bundle: a licence table plus the pack's section of every file."""
    lines = [
        "# National base shipped with siting: sources, licences, vintages",
        "",
        "Copied unchanged from the evaluation pack (`shared/data/sweden`) because their",
        "licences allow redistribution, except `kommuner_land.geojson`, which is derived",
        "(see below). Everything else in the pack has an unstated licence: the catalogue",
        "`sweden_open` reads it from the data folder you give (`--data-dir`) and lists it as",
        "missing otherwise. Attribution: © OpenStreetMap contributors (ODbL); Källa: SCB;",
        "Lantmäteriet; Naturvårdsverket; Trafikverket; Hotmaps (CC BY 4.0); Natural Earth;",
        "OpenFlights; EnergieID/entsoe-py (MIT).",
        "",
        "| File | Licence |",
        "| --- | --- |",
        *(f"| `{name}` | {lic} |" for name, lic in BUNDLED_FILES.items()),
        "| `kommuner_land.geojson` | CC0 1.0: derived from `native/lm_kommuner_1milj.zip` "
        "(Lantmäteriet) clipped to `lokal_arbetsmarknader.geojson` (SCB), built by "
        "`siting.data.bundle` |",
        "",
        "## kommuner_land.geojson (derived)",
        "",
        "Lantmäteriet's Sverigekartan 1:1 miljon kommun polygons (layer `ak_riks`, extract "
        "2020-07-16) dissolved per kommunkod and clipped to the union of SCB's LA 2022 "
        "polygons, so that sea areas are left out; each kommun carries its LA 2022 region "
        "(`la_code`, `la_name`). 290 kommuner, EPSG:4326 at 6 decimals.",
        "",
    ]
    names = [n.split("/")[-1] for n in BUNDLED_FILES]
    for heading, body in _sections(pack_sources.read_text(encoding="utf-8")):
        if any(n in heading for n in names):
            lines += [heading, body.strip(), ""]
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


if __name__ == "__main__":  # pragma: no cover - maintenance script
    logging.basicConfig(level=logging.INFO)
    pack = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/sweden")
    build_bundle(pack, Path(sys.argv[2]) if len(sys.argv) > 2 else BUNDLE_DIR)

