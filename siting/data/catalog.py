"""Layer catalogues: ``layers/*.toml`` parsed and validated into frozen dataclasses.

A catalogue describes one dataset (a folder of files) as layers grouped in the
five themes. Every problem in a catalogue is reported at once, with the file,
the layer id and the field.

A layer entry looks like::

    [[layer]]
    id = "substations"
    type = "substations"          # canonical type, see siting.data.schema
    theme = "energy"              # optional; defaults to the type's theme
    kind = "point"
    title_sv = "Transformatorstationer"
    title_en = "Substations"
    source = "energy.gpkg"        # relative to the data folder
    layer = "substations"         # layer inside a GeoPackage (optional)
    crs = "EPSG:3006"             # declared CRS for CSVs / files without one
    attribution = "Fictional demo data"
    licence = "CC0-1.0"
    vintage = "2026-01-01"
    [layer.fields]                # canonical field = source column
    voltage_kv = "spanning_kv"
    [layer.units]                 # canonical field = unit
    voltage_kv = "kV"
    [layer.coords]                # CSV point layers only
    x = "lon"
    y = "lat"

A layer may instead be *built* from several files when the catalogue is
loaded: ``build = "grid_stations"`` with ``inputs = { svk = "svk_stations.csv",
osm = "osm_grid_nodes.geojson" }`` (builders in :mod:`siting.data.derived`;
absent inputs are named in the load notes). ``user_data = true`` marks a layer
whose licence does not allow shipping its file: it is read from the user's data
folder and listed as missing (``LayerSet.meta["missing_layers"]``) when absent.
``[catalog] package_data = "sweden"`` adds the national base bundled in
``siting/data/sweden`` to the folders files are looked up in
(:meth:`Catalog.search_dirs`). ``[[layer.coverage]]`` tables declare for which
features a layer is complete (read by the evaluator).

Coverage: a layer that holds only some of the real features declares what it is
complete for (every problem of these entries is listed on load)::

    [[layer.coverage]]            # complete for features meeting this condition
    field = "voltage_kv"          # a canonical field of the layer type
    op = ">="                     # one of >=, >, <=, <, ==
    value = 220
    note = "Svenska kraftnät: transmission grid, 220 kV and above only"

No ``coverage`` entries means complete; ``complete = false`` means the absence of a
feature is never conclusive. :mod:`siting.criteria.evaluator` turns a criterion that
needs features the layer is not complete for into *unknown* where nothing was found.

Optional keys: ``encoding`` (force a CSV/shapefile encoding instead of
sniffing it / reading the ``.cpg``), ``[layer.defaults]`` (canonical field =
value for absent columns and missing values, e.g. ``kind = "station"``),
``allow_missing = ["voltage_kv"]`` (required fields whose missing values are
tolerated and counted in the load notes instead of failing), and for rasters
``[layer.units] value = "percent"``. ``source`` may be a GeoPackage (with
``layer``), GeoJSON, Shapefile, a ``.zip`` holding a shapefile, a CSV or a
GeoTIFF; see :mod:`siting.data.layers` for how layers are loaded.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeGuard

from siting.core.errors import CatalogError, Problem
from siting.core.shipped import resolve_toml, shipped_dir, shipped_names
from siting.data.schema import GEOMETRY_KINDS, LAYER_TYPES, THEMES, GeometryKind, Theme

__all__ = [
    "CATALOG_DIR",
    "COVERAGE_OPS",
    "Catalog",
    "Coverage",
    "CoordSpec",
    "LayerSpec",
    "available_catalogs",
    "load_catalog",
    "resolve_catalog_path",
]

#: Folder of the data bundled with the package (``[catalog] package_data`` names a subfolder).
BUNDLE_ROOT = Path(__file__).resolve().parent

#: Folder holding the catalogues shipped with the project: ``layers/`` in a checkout; in an
#: installed package the copy under ``siting/data/shipped_layers`` (a symlink to ``layers/``
#: in the repository, so the wheel carries the files).
CATALOG_DIR = shipped_dir("layers")

_LAYER_KEYS = {
    "id", "type", "theme", "kind", "title_sv", "title_en", "source", "layer", "crs",
    "attribution", "licence", "vintage", "fields", "units", "coords", "description",
    "encoding", "defaults", "allow_missing", "coverage", "complete", "build", "inputs",
    "user_data",
}
_COVERAGE_KEYS = {"field", "op", "value", "note"}
#: Operators of a ``[[layer.coverage]]`` condition.
COVERAGE_OPS: tuple[str, ...] = (">=", ">", "<=", "<", "==")
_REQUIRED_LAYER_KEYS = ("id", "type", "kind", "title_sv", "title_en", "source",
                        "attribution", "licence", "vintage")


@dataclass(frozen=True)
class CoordSpec:
    """Coordinate columns of a point CSV.

    Parameters
    ----------
    x, y : str
        Source column names (e.g. ``lon``/``lat`` or ``x``/``y``).
    """

    x: str
    y: str


@dataclass(frozen=True)
class Coverage:
    """A condition the layer is *complete* for (``[[layer.coverage]]``).

    The layer holds every real feature meeting ``field op value`` (e.g. every
    station of 220 kV and above); features not meeting it may be missing, so
    their absence proves nothing.

    Parameters
    ----------
    field : str
        A canonical field of the layer type.
    op : {">=", ">", "<=", "<", "=="}
    value : float or str
    note : str
        Where the limit comes from (shown to users).
    """

    field: str
    op: str
    value: float | str
    note: str = ""

    def text(self) -> str:
        """``'voltage_kv >= 220'``."""
        return f"{self.field} {self.op} {self.value:g}" if isinstance(self.value, float) \
            else f"{self.field} {self.op} {self.value}"


@dataclass(frozen=True)
class LayerSpec:
    """One validated catalogue layer entry.

    ``complete = false`` declares that the layer may miss features of any kind
    (absence is never conclusive); ``coverage`` lists the conditions it is complete
    for (all must hold; none = complete).
    """

    id: str
    type: str
    theme: Theme
    kind: GeometryKind
    title_sv: str
    title_en: str
    source: str
    attribution: str
    licence: str
    vintage: dt.date
    layer: str | None = None
    crs: str | None = None
    encoding: str | None = None
    coords: CoordSpec | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    units: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""
    allow_missing: tuple[str, ...] = ()
    complete: bool = True
    coverage: tuple[Coverage, ...] = ()
    build: str | None = None
    inputs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    user_data: bool = False

    def title(self, lang: str = "sv") -> str:
        """The layer title in ``lang`` ('sv' or 'en')."""
        return self.title_sv if lang == "sv" else self.title_en


@dataclass(frozen=True)
class Catalog:
    """A validated catalogue: an id, titles and its layers in file order."""

    id: str
    path: Path
    title_sv: str
    title_en: str
    layers: tuple[LayerSpec, ...]
    description: str = ""
    default_data_dir: str | None = None
    package_data: str | None = None

    def search_dirs(self, data_dir: str | Path | None = None) -> tuple[Path, ...]:
        """Folders a layer's files are looked up in, first hit wins.

        ``data_dir`` (the user's folder) first, then the national base bundled
        with the package (``[catalog] package_data``), then the catalogue's
        default ``data_dir`` when it exists (the full evaluation pack in a
        checkout).

        Raises
        ------
        CatalogError
            When there is no folder at all.
        """
        dirs: list[Path] = []
        if data_dir is not None:
            dirs.append(Path(data_dir))
        if self.package_data:
            dirs.append(BUNDLE_ROOT / self.package_data)
        if self.default_data_dir is not None:
            default = (self.path.parent / self.default_data_dir).resolve()
            if data_dir is None and (default.is_dir() or not dirs):
                dirs.append(default)
        if not dirs:
            return (self.resolve_data_dir(data_dir),)
        return tuple(dirs)

    def title(self, lang: str = "sv") -> str:
        """The dataset's name in ``lang`` (what a user sees instead of the id)."""
        return self.title_sv if lang == "sv" else self.title_en

    def layer(self, layer_id: str) -> LayerSpec:
        """Return the layer with id ``layer_id``.

        Raises
        ------
        CatalogError
            When there is no such layer.
        """
        for spec in self.layers:
            if spec.id == layer_id:
                return spec
        known = ", ".join(s.id for s in self.layers)
        raise CatalogError.single(str(self.path), f"no layer '{layer_id}'",
                                  hint=f"use one of: {known}")

    def of_type(self, type_name: str) -> tuple[LayerSpec, ...]:
        """All layers of canonical type ``type_name``."""
        return tuple(s for s in self.layers if s.type == type_name)

    def by_theme(self) -> dict[str, tuple[LayerSpec, ...]]:
        """Layers grouped by theme, in the order of :data:`siting.data.schema.THEMES`."""
        return {t: tuple(s for s in self.layers if s.theme == t) for t in THEMES}

    def resolve_data_dir(self, data_dir: str | Path | None) -> Path:
        """The data folder: ``data_dir`` if given, else the catalogue's default."""
        if data_dir is not None:
            return Path(data_dir)
        if self.default_data_dir is None:
            raise CatalogError.single(
                str(self.path), "this catalogue has no default data folder",
                hint="pass --data-dir with the folder that holds its files")
        return (self.path.parent / self.default_data_dir).resolve()


def available_catalogs() -> tuple[str, ...]:
    """Names of the catalogues shipped in ``layers/``."""
    return shipped_names(CATALOG_DIR)


def resolve_catalog_path(name_or_path: str | Path) -> Path:
    """Turn a catalogue name (``demo``) or a path into an existing file path.

    Raises
    ------
    CatalogError
        When neither a shipped catalogue nor a file of that name exists.
    """
    return resolve_toml(name_or_path, CATALOG_DIR, CatalogError, "catalogue")


def load_catalog(name_or_path: str | Path) -> Catalog:
    """Read and validate a catalogue.

    Parameters
    ----------
    name_or_path : str or Path
        A shipped catalogue name (``"demo"``, ``"sweden_open"``) or a path.

    Returns
    -------
    Catalog

    Raises
    ------
    CatalogError
        Listing every problem found, each with file, layer id and field.
    """
    path = resolve_catalog_path(name_or_path)
    src = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError.single(src, f"not valid TOML: {exc}",
                                  hint="check quotes, brackets and '=' signs on that line") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError.single(src, "not UTF-8 text", hint="save the file as UTF-8") from exc

    problems: list[Problem] = []
    head = raw.get("catalog", {})
    if not isinstance(head, dict):
        problems.append(Problem(src, "[catalog]", "", "must be a table"))
        head = {}
    cat_id = str(head.get("id", path.stem))
    entries = raw.get("layer", [])
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(src, "", "layer", "the catalogue has no [[layer]] entries",
                                "add at least one [[layer]] table"))
        entries = []

    specs: list[LayerSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        spec = _parse_layer(src, i, entry, problems)
        if spec is None:
            continue
        if spec.id in seen:
            problems.append(Problem(src, f"layer '{spec.id}'", "id", "duplicate layer id",
                                    "give every layer a unique id"))
        seen.add(spec.id)
        specs.append(spec)

    if problems:
        raise CatalogError.from_problems(f"Invalid layer catalogue {path.name}", problems)
    return Catalog(
        id=cat_id,
        path=path,
        title_sv=str(head.get("title_sv", cat_id)),
        title_en=str(head.get("title_en", cat_id)),
        layers=tuple(specs),
        description=str(head.get("description", "")),
        default_data_dir=head.get("data_dir"),
        package_data=head.get("package_data"),
    )


def _parse_layer(src: str, index: int, entry: Any, problems: list[Problem]) -> LayerSpec | None:
    """One ``[[layer]]`` table of a catalogue, checked; None when it cannot be used.

    Every problem is appended to ``problems`` (the caller raises them all at once).

    Long because: one short check per catalogue key, in the order the catalogue documents them;
    the checks share the entry, its location text and the problem list, and collecting every
    problem in one pass is the house rule for catalogues.
    """
    if not isinstance(entry, dict):
        problems.append(Problem(src, f"layer #{index}", "", "must be a table"))
        return None
    lid = str(entry.get("id", f"#{index}"))
    loc = f"layer '{lid}'"
    n_before = len(problems)

    def bad(fld: str, msg: str, hint: str = "") -> None:
        problems.append(Problem(src, loc, fld, msg, hint))

    for key in sorted(set(entry) - _LAYER_KEYS):
        bad(key, "unknown key", f"remove it or use one of: {', '.join(sorted(_LAYER_KEYS))}")
    for key in _REQUIRED_LAYER_KEYS:
        if key == "source" and entry.get("build"):
            continue
        if key not in entry or entry[key] in ("", None):
            bad(key, "missing", "every layer needs " + ", ".join(_REQUIRED_LAYER_KEYS))

    type_name = entry.get("type")
    ltype = LAYER_TYPES.get(type_name) if isinstance(type_name, str) else None
    if "type" in entry and ltype is None:
        bad("type", f"unknown layer type {type_name!r}",
            f"use one of: {', '.join(sorted(LAYER_TYPES))}")

    raw_theme = entry.get("theme", ltype.theme if ltype else None)
    theme: Theme | None = raw_theme if _is_theme(raw_theme) else None
    if raw_theme is not None and theme is None:
        bad("theme", f"unknown theme {raw_theme!r}", f"use one of: {', '.join(THEMES)}")

    raw_kind = entry.get("kind")
    kind: GeometryKind | None = raw_kind if _is_geometry_kind(raw_kind) else None
    if raw_kind is not None and kind is None:
        bad("kind", f"unknown geometry kind {raw_kind!r}",
            f"use one of: {', '.join(GEOMETRY_KINDS)}")
    elif ltype is not None and kind is not None and kind not in ltype.kinds:
        bad("kind", f"a '{ltype.name}' layer cannot be '{kind}'",
            f"use one of: {', '.join(ltype.kinds)}")

    vintage = _parse_date(entry.get("vintage"))
    if "vintage" in entry and vintage is None:
        bad("vintage", f"{entry.get('vintage')!r} is not a date", "write it as YYYY-MM-DD")

    fields = entry.get("fields", {})
    if not isinstance(fields, dict):
        bad("fields", "must be a table of canonical_field = \"source column\"")
        fields = {}
    if ltype is not None:
        for canon, source_col in fields.items():
            if ltype.field(canon) is None:
                known = ", ".join(f.name for f in ltype.fields) or "(none)"
                bad(f"fields.{canon}", f"'{canon}' is not a field of type '{ltype.name}'",
                    f"map onto one of: {known}")
            if not isinstance(source_col, str) or not source_col:
                bad(f"fields.{canon}", "the source column must be a non-empty string")
    units = entry.get("units", {})
    if not isinstance(units, dict):
        bad("units", "must be a table of canonical_field = \"unit\"")
        units = {}
    defaults = entry.get("defaults", {})
    if not isinstance(defaults, dict):
        bad("defaults", "must be a table of canonical_field = value")
        defaults = {}

    allow_missing = entry.get("allow_missing", [])
    if not isinstance(allow_missing, list) or not all(isinstance(a, str) for a in allow_missing):
        bad("allow_missing", "must be a list of canonical field names",
            'e.g. allow_missing = ["voltage_kv"]')
        allow_missing = []
    elif ltype is not None:
        for name in allow_missing:
            if ltype.field(name) is None:
                bad("allow_missing", f"'{name}' is not a field of type '{ltype.name}'",
                    f"use one of: {', '.join(f.name for f in ltype.fields) or '(none)'}")

    complete = entry.get("complete", True)
    if not isinstance(complete, bool):
        bad("complete", f"must be true or false, got {complete!r}",
            "write complete = false when the layer may miss features")
    coverage = _parse_coverage(entry.get("coverage", []), ltype, bad)

    coords = None
    raw_coords = entry.get("coords")
    if raw_coords is not None:
        if not isinstance(raw_coords, dict) or not {"x", "y"} <= set(raw_coords):
            bad("coords", "must be a table with x and y column names",
                'e.g. coords = { x = "lon", y = "lat" }')
        else:
            coords = CoordSpec(x=str(raw_coords["x"]), y=str(raw_coords["y"]))
    source = str(entry.get("source", ""))
    if source.lower().endswith((".csv", ".txt")) and kind == "point" and coords is None:
        bad("coords", "a point layer read from CSV needs coordinate columns",
            'add coords = { x = "lon", y = "lat" } and crs = "EPSG:4326"')
    if coords is not None and not entry.get("crs"):
        bad("crs", "coordinate columns need a declared CRS",
            'add crs = "EPSG:4326" for lon/lat or crs = "EPSG:3006" for SWEREF 99 TM x/y')

    inputs = entry.get("inputs", {})
    if not isinstance(inputs, dict) or not all(isinstance(v, str) for v in inputs.values()):
        bad("inputs", "must be a table of role = \"file\"",
            'e.g. inputs = { svk = "svk_stations.csv", osm = "osm_grid_nodes.geojson" }')
        inputs = {}
    if entry.get("build") and not inputs:
        bad("inputs", "a built layer needs its input files", "add inputs = { role = \"file\" }")
    if not isinstance(entry.get("user_data", False), bool):
        bad("user_data", "must be true or false")

    # a missing theme, kind or vintage has been reported above
    if len(problems) > n_before or theme is None or kind is None or vintage is None:
        return None
    return LayerSpec(
        id=lid,
        type=str(type_name),
        theme=theme,
        kind=kind,
        title_sv=str(entry["title_sv"]),
        title_en=str(entry["title_en"]),
        source=source or " + ".join(str(v) for v in inputs.values()),
        attribution=str(entry["attribution"]),
        licence=str(entry["licence"]),
        vintage=vintage,
        layer=entry.get("layer"),
        crs=entry.get("crs"),
        encoding=entry.get("encoding"),
        coords=coords,
        fields=MappingProxyType(dict(fields)),
        units=MappingProxyType(dict(units)),
        defaults=MappingProxyType(dict(defaults)),
        description=str(entry.get("description", "")),
        allow_missing=tuple(allow_missing),
        complete=bool(complete),
        coverage=coverage,
        build=entry.get("build") or None,
        inputs=MappingProxyType(dict(inputs)),
        user_data=bool(entry.get("user_data", False)),
    )


def _parse_coverage(raw: Any, ltype: Any, bad: Any) -> tuple[Coverage, ...]:
    """Validate ``[[layer.coverage]]`` entries; every problem goes to ``bad``."""
    example = 'e.g. [[layer.coverage]] field = "voltage_kv", op = ">=", value = 220'
    if not isinstance(raw, list):
        bad("coverage", "must be an array of tables, written [[layer.coverage]]", example)
        return ()
    out: list[Coverage] = []
    for i, entry in enumerate(raw, start=1):
        key = f"coverage #{i}"
        if not isinstance(entry, dict):
            bad(key, "must be a table with field, op, value and note", example)
            continue
        n_bad = 0
        for extra in sorted(set(entry) - _COVERAGE_KEYS):
            bad(f"{key}.{extra}", "unknown key", f"use: {', '.join(sorted(_COVERAGE_KEYS))}")
            n_bad += 1
        fld, op, value = entry.get("field"), entry.get("op"), entry.get("value")
        spec = ltype.field(fld) if ltype is not None and isinstance(fld, str) else None
        if ltype is not None and spec is None:
            known = ", ".join(f.name for f in ltype.fields) or "(none)"
            bad(f"{key}.field", f"unknown field {fld!r} for layer type '{ltype.name}'",
                f"use one of: {known}")
            n_bad += 1
        if op not in COVERAGE_OPS:
            bad(f"{key}.op", f"unknown operator {op!r}", f"use one of: {', '.join(COVERAGE_OPS)}")
            n_bad += 1
        numeric = spec is None or spec.dtype in ("float", "int")
        if isinstance(value, bool) or not isinstance(value, int | float | str) or (
                op in (">=", ">", "<=", "<") and not isinstance(value, int | float)) or (
                numeric and spec is not None and isinstance(value, str)):
            bad(f"{key}.value", f"{value!r} does not fit field {fld!r} and operator {op!r}",
                "compare numeric fields with a number (value = 220), text fields with == only")
            n_bad += 1
        note = entry.get("note", "")
        if not isinstance(note, str):
            bad(f"{key}.note", "must be text", "say where the limit comes from")
            n_bad += 1
        if not n_bad:
            out.append(Coverage(str(fld), str(op),
                                float(value) if isinstance(value, int | float) else str(value),
                                str(note)))
    return tuple(out)


def _is_theme(value: object) -> TypeGuard[Theme]:
    return value in THEMES


def _is_geometry_kind(value: object) -> TypeGuard[GeometryKind]:
    return value in GEOMETRY_KINDS


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
