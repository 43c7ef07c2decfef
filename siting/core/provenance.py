"""Provenance of a scoring result: everything needed to say where it came from and redo it.

A :class:`Provenance` records the profile (id, content hash and its canonical
TOML text, so the exact criteria can be re-read), the weights and aggregation
in use, the catalogue (id, path, data folder), the region (codes, buffer), one
:class:`LayerRecord` per loaded layer (source file, vintage, feature count and
a sha256 of the file), a fingerprint of the candidate sites, the method notes
the metrics reported (e.g. whether the labour pool was measured over the road
network or by straight line), the package and library versions and a UTC time
stamp. It is plain data: :meth:`Provenance.to_json` /
:meth:`Provenance.from_json` round-trip it, and
:func:`siting.scoring.reproduce` re-runs a result from it.

Examples
--------
>>> p = Provenance(profile_id="demo", profile_hash="ab12", n_sites=3)
>>> Provenance.from_json(p.to_json()) == p
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import platform
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from siting import __version__
from siting.core.frozen import FrozenMap, freeze

__all__ = [
    "HASH_LIMIT_BYTES",
    "LayerRecord",
    "Provenance",
    "file_sha256",
    "layer_records",
    "library_versions",
    "sites_fingerprint",
    "utc_now",
]

#: Files larger than this are fingerprinted by size and modification time, not hashed.
HASH_LIMIT_BYTES = 256 * 1024 * 1024

_LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio", "rasterio")


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string with seconds, e.g. ``2026-11-22T19:55:00Z``."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def library_versions() -> dict[str, str]:
    """Versions of Python and the numeric/geospatial libraries results depend on."""
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        module = sys.modules.get(name)
        found = getattr(module, "__version__", None) if module is not None else None
        if found is None:
            try:
                found = version(name)
            except PackageNotFoundError:  # pragma: no cover - optional at runtime
                found = "not installed"
        out[name] = str(found)
    return out


def file_sha256(path: str | Path, limit_bytes: int = HASH_LIMIT_BYTES) -> str:
    """sha256 of a file (``"sha256:<hex>"``); ``"size:<n>;mtime:<t>"`` above ``limit_bytes``.

    Returns ``"missing"`` when the file does not exist (e.g. a remote source).
    """
    p = Path(path)
    if not p.is_file():
        return "missing"
    st = p.stat()
    if st.st_size > limit_bytes:
        return f"size:{st.st_size};mtime:{int(st.st_mtime)}"
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return f"sha256:{h.hexdigest()}"


def sites_fingerprint(sites: gpd.GeoDataFrame, id_column: str = "site_id") -> str:
    """sha256 over the site ids and geometries (WKB).

    Equal for the same candidate sites, in the same order, read the same way.
    """
    h = hashlib.sha256()
    ids = sites[id_column].astype(str).tolist() if id_column in sites else [
        str(i) for i in sites.index]
    h.update("\x1f".join(ids).encode("utf-8"))
    geoms = np.asarray(sites.geometry.values, dtype=object)
    for wkb in shapely.to_wkb(geoms, hex=False):
        h.update(wkb if wkb is not None else b"\x00")
    return f"sha256:{h.hexdigest()}"


@dataclass(frozen=True)
class LayerRecord:
    """Where one loaded layer came from.

    Parameters
    ----------
    id, type : str
        Catalogue layer id and canonical type.
    source : str
        The file path as resolved when the layer was loaded.
    vintage : str
        Data vintage (ISO date) from the catalogue.
    n_features : int
        Features/rows/valid cells loaded for the region.
    file_hash : str
        :func:`file_sha256` of the source file.
    attribution, licence : str
        From the catalogue.
    """

    id: str
    type: str
    source: str
    vintage: str
    n_features: int
    file_hash: str = ""
    attribution: str = ""
    licence: str = ""


def layer_records(layerset: Any, *, hash_files: bool = True) -> tuple[LayerRecord, ...]:
    """One :class:`LayerRecord` per loaded layer of a :class:`siting.data.layerset.LayerSet`."""
    out: list[LayerRecord] = []
    data_dir: Any = getattr(layerset, "data_dir", "")
    for lid, lyr in getattr(layerset, "layers", {}).items():
        spec = lyr.spec
        source = str(getattr(lyr.report, "source", "") or spec.source)
        path = Path(source)
        if not path.is_absolute() and data_dir:
            path = Path(data_dir) / spec.source
        out.append(LayerRecord(
            id=str(lid), type=str(spec.type), source=str(path),
            vintage=spec.vintage.isoformat() if spec.vintage else "",
            n_features=int(lyr.n_features),
            file_hash=file_sha256(path) if hash_files else "",
            attribution=str(spec.attribution), licence=str(spec.licence)))
    return tuple(out)


def _plain(value: Any) -> Any:
    """Mappings/tuples/numpy scalars -> JSON-ready dicts/lists/Python scalars."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class Provenance:
    """Everything a scoring result depends on (see the module docstring).

    All fields have defaults so partial provenance (e.g. sites scored
    without a catalogue) is still explicit about what is unknown. ``strict``
    records whether unknown hard criteria counted as failures.
    """

    profile_id: str = ""
    profile_hash: str = ""
    profile_path: str = ""
    profile_toml: str = ""
    aggregation: str = ""
    weights: Mapping[str, float] = field(default_factory=FrozenMap)
    catalog_id: str = ""
    catalog_path: str = ""
    data_dir: str = ""
    region_codes: tuple[str, ...] = ()
    region_label: str = ""
    region_is_all: bool = False
    buffer_m: float = 0.0
    layers: tuple[LayerRecord, ...] = ()
    sites_source: str = ""
    sites_fingerprint: str = ""
    n_sites: int = 0
    metric_methods: Mapping[str, Mapping[str, Any]] = field(
        default_factory=FrozenMap)
    not_evaluated: tuple[str, ...] = ()
    strict: bool = False
    package_version: str = __version__
    libraries: Mapping[str, str] = field(default_factory=FrozenMap)
    created_utc: str = ""

    @property
    def vintages(self) -> dict[str, str]:
        """Data vintage per layer id."""
        return {r.id: r.vintage for r in self.layers}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (layers as a list of dicts)."""
        out = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)
               if f.name != "layers"}
        out["layers"] = [_plain(dataclasses.asdict(r)) for r in self.layers]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        """The provenance as JSON text (UTF-8, non-ASCII kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Build from :meth:`to_dict` output; unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names:
                continue
            if key == "layers":
                kwargs[key] = tuple(LayerRecord(**dict(r)) for r in value)
            elif key in ("region_codes", "not_evaluated"):
                kwargs[key] = tuple(str(v) for v in value)
            elif key == "buffer_m":
                kwargs[key] = float(value)
            elif key == "n_sites":
                kwargs[key] = int(value)
            elif key == "strict":
                kwargs[key] = bool(value)
            else:
                kwargs[key] = freeze(value)
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        """Parse :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> Provenance:
        """Inverse of :meth:`rows` (text fields are stored as is, the others as JSON)."""
        text_fields = {f.name for f in dataclasses.fields(cls) if f.type in ("str", str)}
        data = {k: v if k in text_fields else json.loads(v) for k, v in rows}
        return cls.from_dict(data)

    def rows(self) -> list[tuple[str, str]]:
        """(key, value-as-text) pairs, e.g. for a metadata table in a GeoPackage."""
        out: list[tuple[str, str]] = []
        text_fields = {f.name for f in dataclasses.fields(self) if f.type in ("str", str)}
        for key, value in self.to_dict().items():
            text = value if key in text_fields else json.dumps(value, ensure_ascii=False)
            out.append((key, text))
        return out
