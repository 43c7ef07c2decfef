"""Cached access to the siting package for the pages (the only place caching lives).

Loading layers and computing the metrics table are the expensive steps; they
are cached per (catalogue, data folder, region, profile file). Re-weighting is
done on the cached result with :meth:`siting.scoring.result.SitingResult.rerank`,
which takes milliseconds.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import platformdirs
import streamlit as st

from siting.core.errors import ScoringError
from siting.data.catalog import Catalog, LayerSpec, load_catalog
from siting.scoring.result import SitingResult
from siting.scoring.sites import evaluate

_LOG = logging.getLogger("siting.app")

__all__ = [
    "base_evaluation",
    "catalog",
    "compare_table",
    "evaluation_for",
    "file_stamp",
    "layerset",
    "municipalities",
    "municipality_groups",
    "profile",
    "profile_choices",
    "surface",
    "user_profile_dir",
    "workspace",
    "workspace_content",
]


def file_stamp(path: str | Path | None) -> float:
    """Modification time of a file (0 when absent): part of cache keys so edits are seen."""
    if path is None:
        return 0.0
    p = Path(path)
    return p.stat().st_mtime if p.is_file() else 0.0


@st.cache_resource(show_spinner=False, max_entries=8)
def _catalog(name: str, stamp: float) -> Catalog:
    return load_catalog(name)


def catalog(name: str) -> Catalog:
    """The validated catalogue ``name`` (shipped name or path)."""
    from siting.data.catalog import resolve_catalog_path

    return _catalog(name, file_stamp(resolve_catalog_path(name)))


@st.cache_resource(show_spinner=False, max_entries=8)
def _municipalities(name: str, data_dir: str | None, stamp: float) -> gpd.GeoDataFrame:
    from siting.data.layers import read_layer

    cat = catalog(name)
    spec: LayerSpec = cat.of_type("municipalities")[0] if cat.of_type("municipalities") \
        else cat.layer("municipalities")
    return read_layer(spec, cat.search_dirs(data_dir)).data


def municipalities(name: str, data_dir: str | None) -> gpd.GeoDataFrame:
    """All municipalities of a dataset (EPSG:3006), for choosing the region."""
    return _municipalities(name, data_dir, file_stamp(catalog(name).path))


@st.cache_resource(show_spinner=False, max_entries=6)
def _layerset(name: str, data_dir: str | None, codes: tuple[str, ...], stamp: float) -> Any:
    from siting.data.layers import load_layerset

    cat = catalog(name)
    return load_layerset(cat, cat.resolve_data_dir(data_dir), region=list(codes))


def layerset(name: str, data_dir: str | None, codes: tuple[str, ...]) -> Any:
    """The LayerSet of a region (cached)."""
    return _layerset(name, data_dir, tuple(codes), file_stamp(catalog(name).path))


@st.cache_resource(show_spinner=False, max_entries=8)
def _groups(name: str, data_dir: str | None, stamp: float) -> dict[str, Any]:
    from siting.data.groups import municipality_groups

    return municipality_groups(catalog(name), data_dir,
                               municipalities(name, data_dir)["kommunkod"].astype(str))


def municipality_groups(name: str, data_dir: str | None) -> dict[str, Any]:
    """Counties and local labour-market regions of a dataset (:mod:`siting.data.groups`)."""
    return _groups(name, data_dir, file_stamp(catalog(name).path))


def user_profile_dir() -> Path:
    """Where edited profile copies are saved: ``$SITING_USER_DIR/profiles`` or the user data dir."""
    base = os.environ.get("SITING_USER_DIR", "").strip() or platformdirs.user_data_dir("siting")
    return Path(base) / "profiles"


def profile_choices() -> tuple[str, ...]:
    """Profile ids shipped in ``criteria/``, then paths of saved copies."""
    from siting.criteria.profiles import available_profiles

    saved = sorted(str(p) for p in user_profile_dir().glob("*.toml")) \
        if user_profile_dir().is_dir() else []
    return (*available_profiles(), *saved)


@st.cache_resource(show_spinner=False, max_entries=16)
def _profile(name: str, stamp: float) -> Any:
    from siting.criteria.profiles import load_profile

    return load_profile(name)


def profile(name: str) -> Any:
    """The validated profile ``name`` (id or path)."""
    from siting.criteria.profiles import PROFILE_DIR

    path = Path(name) if name.endswith(".toml") else Path(PROFILE_DIR) / f"{name}.toml"
    return _profile(name, file_stamp(path))


@st.cache_resource(show_spinner=False, max_entries=32)
def _workspace(url: str, organisation_id: str, person: str | None = None) -> Any:
    from siting.outcomes.workspace_store import WorkspaceStore

    return WorkspaceStore.open(url, organisation_id=organisation_id, act_as=person)


def workspace(organisation_id: str | None = None) -> Any:
    """The workspace store on the outcome-log database (kept open), as the logged-in person.

    Default: the person's own organisation (local mode: ``local``).
    """
    from app_pages._auth import current_person, own_organisation
    from siting.outcomes.store import default_url

    return _workspace(default_url(), organisation_id or own_organisation(), current_person())


def workspace_content() -> tuple[tuple[Any, ...], list[Any], list[Any]]:
    """(stamp, kept sites, kept layers) of the workspace."""
    ws = workspace()
    return ws.stamp(), ws.list_sites(), ws.list_layers()


@st.cache_resource(show_spinner=False, max_entries=12)
def _base_evaluation(name: str, data_dir: str | None, codes: tuple[str, ...],
                     profile_name: str, stamp: tuple[float, float],
                     ws_stamp: tuple[Any, ...],
                     lang: str = "sv") -> SitingResult:
    prof, ls = profile(profile_name), layerset(name, data_dir, codes)
    base = ls.vector("sites")
    source = ""
    if base is None or not len(base):
        # real data has no sites layer: named candidate areas and industrial sites stand in
        from siting.surface.candidate_sites import candidate_sites

        base = candidate_sites(prof, ls, lang=lang)
        source = "candidate areas and industrial sites"
    _stamp_now, sites, layers = workspace_content()
    if sites or layers:
        from siting.scoring.workspace import evaluate_workspace

        return evaluate_workspace(prof, ls, sites, layers, base_sites=base)
    return evaluate(base if source else None, prof, ls, sites_source=source)


def base_evaluation(name: str, data_dir: str | None, codes: tuple[str, ...],
                    profile_name: str, lang: str = "sv") -> SitingResult:
    """The evaluation with the profile's own weights (metrics computed once, cached).

    ``lang`` names the candidate sites made where the data has no sites layer. The workspace's
    own sites and layers take part (see :mod:`siting.scoring.workspace`); any change to them is
    a new cache entry.
    """
    prof = profile(profile_name)
    stamp = (file_stamp(catalog(name).path), file_stamp(getattr(prof, "source_path", None)))
    lyr = layerset(name, data_dir, tuple(codes)).vector("sites")
    named = "sv" if lyr is not None and len(lyr) else lang  # the catalogue's sites: one entry
    return _base_evaluation(name, data_dir, tuple(codes), profile_name, stamp,
                            workspace().stamp(), named)


def evaluation_for(name: str, data_dir: str | None, codes: tuple[str, ...], profile_name: str,
                   weights: dict[str, float] | None, lang: str = "sv", *,
                   strict: bool = False) -> SitingResult:
    """The evaluation re-ranked with ``weights`` (the profile's own when None); ``strict``
    counts unknown hard criteria as failures; ``lang`` names generated candidate sites."""
    base = base_evaluation(name, data_dir, codes, profile_name, lang)
    return (base.rerank(weights) if weights else base).with_strict(strict)


@st.cache_data(show_spinner=False, max_entries=12)
def _compare_table(name: str, data_dir: str | None, codes: tuple[str, ...], profile_name: str,
                   weights: tuple[tuple[str, float], ...], resolution_m: float,
                   stamp: tuple[Any, ...], strict: bool = False,
                   ranked_sites: str = "") -> pd.DataFrame:
    from siting.compare import compare_region

    prof = profile(profile_name)
    if weights:
        prof = prof.with_weights(dict(weights))
    # the ranking page's own sites (named candidate areas, industrial and workspace sites);
    # where there are none, each municipality's best areas of the surface stand in
    sites = None
    if ranked_sites:
        try:
            sites = base_evaluation(name, data_dir, codes, profile_name, ranked_sites).sites
        except ScoringError:
            _LOG.info("no ranked sites for %s: comparing surface areas", codes)
    table = compare_region(prof, layerset(name, data_dir, codes), "all", sites=sites,
                           resolution_m=resolution_m, strict=strict)
    return table


def compare_table(name: str, data_dir: str | None, codes: tuple[str, ...], profile_name: str,
                  weights: tuple[tuple[str, float], ...] = (),
                  resolution_m: float = 250.0, strict: bool = False,
                  ranked_sites: str = "") -> pd.DataFrame:
    """The package's municipality comparison (:func:`siting.compare.compare_region`), cached.

    ``ranked_sites`` (a language) compares the very sites the ranking page ranks for these
    municipalities, named in that language (for data without a sites layer, so that a site
    carries the same name and id on both pages); empty: the dataset's own comparison.
    """
    prof = profile(profile_name)
    stamp = (file_stamp(catalog(name).path), file_stamp(getattr(prof, "source_path", None)))
    ws = workspace().stamp() if ranked_sites else ()
    return _compare_table(name, data_dir, tuple(codes), profile_name, tuple(weights),
                          resolution_m, (*stamp, *ws), strict, ranked_sites)


@st.cache_resource(show_spinner=False, max_entries=12)
def _surface(name: str, data_dir: str | None, codes: tuple[str, ...], profile_name: str,
             weights: tuple[tuple[str, float], ...], resolution_m: float,
             stamp: tuple[float, float]) -> tuple[Any, Any]:
    from siting.surface.run import suitability_surface

    prof = profile(profile_name)
    if weights:
        prof = prof.with_weights(dict(weights))
    surf = suitability_surface(prof, layerset(name, data_dir, codes), resolution_m=resolution_m)
    try:
        from siting.surface.candidates import candidate_areas

        return surf, candidate_areas(surf)
    except Exception:  # an optional overlay: the surface is still shown, the log says why
        _LOG.exception("candidate areas could not be computed")
        return surf, None


def surface(name: str, data_dir: str | None, codes: tuple[str, ...], profile_name: str,
            weights: tuple[tuple[str, float], ...] = (), resolution_m: float = 250.0
            ) -> tuple[Any, Any]:
    """The suitability surface (siting.surface.run) and its candidate areas, cached per weights."""
    prof = profile(profile_name)
    stamp = (file_stamp(catalog(name).path), file_stamp(getattr(prof, "source_path", None)))
    return _surface(name, data_dir, tuple(codes), profile_name, tuple(weights), resolution_m,
                    stamp)
