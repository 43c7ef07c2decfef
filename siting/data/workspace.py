"""An organisation's own candidate sites and layers: the domain objects.

:class:`WorkspaceSite` and :class:`WorkspaceLayer` are what the workspace store
(:mod:`siting.outcomes.workspace_store`) keeps, what imports
(:mod:`siting.data.workspace_import`) produce and what scoring reads. Geometry
is WKT in EPSG:3006; a layer's features are a GeoJSON FeatureCollection in
EPSG:3006 with canonical field names.

Examples
--------
>>> site = WorkspaceSite("S1", "Hamnen", "POINT (760000 7200000)", zoning="industrial")
>>> sites_frame([site])[["site_id", "name", "zoning"]].to_dict("records")
[{'site_id': 'S1', 'name': 'Hamnen', 'zoning': 'industrial'}]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from siting.core.crs import ANALYSIS_CRS
from siting.core.errors import Problem, SitingError
from siting.core.frozen import FrozenMap
from siting.core.i18n import t

__all__ = [
    "LEVELS",
    "LOCAL_ORGANISATION",
    "OWNERS",
    "ZONING",
    "ItemMeta",
    "WorkspaceLayer",
    "WorkspaceSite",
    "layer_frame",
    "problem",
    "site_problems",
    "sites_frame",
    "ws_error",
]

#: The organisation of local mode (one organisation, one user).
LOCAL_ORGANISATION = "local"
#: Zoning status of a site: no plan, detaljplan in progress, adopted detaljplan for industry.
ZONING: tuple[str, ...] = ("none", "in_progress", "industrial")
#: Land owner of a site.
OWNERS: tuple[str, ...] = ("municipal", "private", "state")
#: Access levels, least to most restricted.
LEVELS: tuple[str, ...] = ("public", "network", "internal", "confidential")


def problem(source: str, location: str, field_name: str, key: str, **kwargs: Any) -> Problem:
    """A :class:`Problem` in Swedish and English from ``ws.err.<key>`` / ``ws.fix.<key>``."""
    fix_key = f"ws.fix.{key}"
    has_fix = t(fix_key, "en") != fix_key
    return Problem(source=source, location=location, field=field_name,
                   message=t(f"ws.err.{key}", "en", **kwargs),
                   hint=t(fix_key, "en", **kwargs) if has_fix else "",
                   message_sv=t(f"ws.err.{key}", "sv", **kwargs),
                   hint_sv=t(fix_key, "sv", **kwargs) if has_fix else "")


def ws_error(cls: type[SitingError], problems: Sequence[Problem]) -> SitingError:
    """``cls`` carrying ``problems``; one problem is its own summary (shown translated)."""
    if len(problems) == 1:
        return cls.from_problems(str(problems[0]), problems)
    return cls.from_problems(t("ws.err.summary", "en", n=len(problems)), problems)


@dataclass(frozen=True)
class ItemMeta:
    """Bookkeeping of a stored item (not part of its content)."""

    version: int
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None


@dataclass(frozen=True)
class WorkspaceSite:
    """A candidate site of an organisation.

    Parameters
    ----------
    site_id : str
        Id within the organisation (``S1``, ``S2`` ... given by the store).
    name : str
        Unique among the organisation's sites.
    geometry_wkt : str
        Point or polygon, WKT in EPSG:3006.
    zoning : {"none", "in_progress", "industrial"}
        No plan / detaljplan in progress / adopted detaljplan for industry.
    owner : {"municipal", "private", "state"} or None
    grid_capacity_mw : float or None
        Grid capacity confirmed available at the site (MW), with
        ``grid_capacity_source`` (who confirmed it) and ``grid_capacity_date`` (ISO date).
    notes, source : str
        Free text; ``source`` says where the site came from (file, drawn on the map).
    level : str
        Access level (:data:`LEVELS`).
    """

    site_id: str
    name: str
    geometry_wkt: str
    zoning: str = "none"
    owner: str | None = None
    grid_capacity_mw: float | None = None
    grid_capacity_source: str = ""
    grid_capacity_date: str = ""
    notes: str = ""
    source: str = ""
    level: str = "internal"
    organisation_id: str = LOCAL_ORGANISATION
    meta: ItemMeta | None = field(default=None, compare=False)

    @property
    def item_id(self) -> str:
        """The id the store keys revisions by."""
        return self.site_id

    def content(self) -> dict[str, Any]:
        """The JSON-able content (what a revision snapshot holds)."""
        data = dataclasses.asdict(self)
        data.pop("meta")
        return data


@dataclass(frozen=True)
class WorkspaceLayer:
    """A layer an organisation uploaded.

    Parameters
    ----------
    layer_id : str
        Id within the organisation (``L1``, ``L2`` ...).
    title : str
    type : str
        Canonical layer type (:data:`siting.data.schema.LAYER_TYPES`), e.g. ``substations``.
    theme : str
        Theme shown on the map.
    kind : str
        ``point``, ``line`` or ``polygon``.
    features : mapping
        GeoJSON FeatureCollection in EPSG:3006 with canonical field names.
    field_map : mapping
        canonical field -> the uploaded file's column.
    coverage : tuple of str
        Kommunkoder where this layer is the better evidence (it takes precedence over
        the national layer of the same type there).
    source, vintage : str
        The uploaded file's name and the data's date (ISO).
    """

    layer_id: str
    title: str
    type: str
    theme: str
    kind: str
    features: Mapping[str, Any]
    field_map: Mapping[str, str] = field(default_factory=lambda: FrozenMap({}))
    coverage: tuple[str, ...] = ()
    source: str = ""
    vintage: str = ""
    level: str = "internal"
    organisation_id: str = LOCAL_ORGANISATION
    meta: ItemMeta | None = field(default=None, compare=False)

    @property
    def item_id(self) -> str:
        """The id the store keys revisions by."""
        return self.layer_id

    def content(self) -> dict[str, Any]:
        """The JSON-able content (what a revision snapshot holds)."""
        return {"layer_id": self.layer_id, "title": self.title, "type": self.type,
                "theme": self.theme, "kind": self.kind, "features": _plain(self.features),
                "field_map": dict(self.field_map), "coverage": list(self.coverage),
                "source": self.source, "vintage": self.vintage, "level": self.level,
                "organisation_id": self.organisation_id}

    @property
    def n_features(self) -> int:
        """Number of features."""
        return len(self.features.get("features", ()))


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: dict(v)))


def site_problems(site: WorkspaceSite, source: str = "", location: str = "") -> list[Problem]:
    """Everything wrong with a site's content (empty when it is fine)."""
    where = location or site.name or site.site_id
    out: list[Problem] = []
    if not site.name.strip():
        out.append(problem(source, where, "name", "name_empty"))
    if site.zoning not in ZONING:
        out.append(problem(source, where, "zoning", "bad_choice", value=site.zoning,
                           choices=", ".join(ZONING)))
    if site.owner is not None and site.owner not in OWNERS:
        out.append(problem(source, where, "owner", "bad_choice", value=site.owner,
                           choices=", ".join(OWNERS)))
    if site.level not in LEVELS:
        out.append(problem(source, where, "level", "bad_choice", value=site.level,
                           choices=", ".join(LEVELS)))
    cap = site.grid_capacity_mw
    if cap is not None and not (cap == cap and 0 <= cap < 100_000):
        out.append(problem(source, where, "grid_capacity_mw", "bad_capacity", value=cap))
    if site.grid_capacity_date:
        try:
            dt.date.fromisoformat(site.grid_capacity_date)
        except ValueError:
            out.append(problem(source, where, "grid_capacity_date", "bad_date",
                               value=site.grid_capacity_date))
    try:
        geom = shapely.from_wkt(site.geometry_wkt)
    except shapely.errors.GEOSException:
        geom = None
    if geom is None or geom.is_empty or not geom.is_valid or \
            geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        out.append(problem(source, where, "geometry", "bad_geometry"))
    return out


def sites_frame(sites: Sequence[WorkspaceSite]) -> gpd.GeoDataFrame:
    """The sites as a GeoDataFrame (EPSG:3006) with the canonical ``sites`` fields.

    Polygon sites get ``area_ha``; the confirmed grid capacity travels as
    ``grid_capacity_mw`` with ``grid_capacity_source``/``grid_capacity_date``.
    """
    rows = [{"site_id": s.site_id, "name": s.name, "zoning": s.zoning, "owner": s.owner,
             "grid_capacity_mw": s.grid_capacity_mw,
             "grid_capacity_source": s.grid_capacity_source,
             "grid_capacity_date": s.grid_capacity_date, "notes": s.notes,
             "origin": "workspace"} for s in sites]
    geoms = [shapely.from_wkt(s.geometry_wkt) for s in sites]
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=[
        "site_id", "name", "zoning", "owner", "grid_capacity_mw", "grid_capacity_source",
        "grid_capacity_date", "notes", "origin"]), geometry=geoms, crs=ANALYSIS_CRS)
    frame["grid_capacity_mw"] = pd.to_numeric(frame["grid_capacity_mw"], errors="coerce")
    area = frame.geometry.area / 10_000.0
    frame["area_ha"] = area.where(area > 0)
    return frame


def layer_frame(layer: WorkspaceLayer) -> gpd.GeoDataFrame:
    """A workspace layer's features as a GeoDataFrame in EPSG:3006."""
    feats = list(layer.features.get("features", ()))
    if not feats:
        return gpd.GeoDataFrame(geometry=[], crs=ANALYSIS_CRS)
    return gpd.GeoDataFrame.from_features(_plain({"type": "FeatureCollection",
                                                  "features": feats}), crs=ANALYSIS_CRS)
