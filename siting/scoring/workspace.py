"""Score an organisation's own sites beside the catalogue's, with local evidence first.

:func:`evaluate_workspace` is :func:`siting.scoring.evaluate` for a workspace:

1. the workspace's sites join the catalogue's candidate sites (those in the study
   area + buffer), marked ``origin = "workspace"``;
2. every metric is computed once on the national layers;
3. **local evidence takes precedence where it covers a place**: for a metric
   reading layer type *T*, a workspace layer of type *T* recomputes it for the
   sites its own features reach (optionally only in its coverage kommunkoder), on the
   national features plus the local ones, and a site's own confirmed
   grid capacity decides every metric summing ``available_capacity_mw`` of
   ``substations``; a local value replaces the national one (also where the
   national data left it unknown), a local gap never erases a national value;
4. the result's table says, per site, which local source decided which criterion
   (``decided_by_sv`` / ``decided_by_en``; empty = the national data), and the
   provenance lists the workspace layers like catalogue layers.

Examples
--------
>>> from siting.data.layers import load_layerset
>>> from siting.criteria.profiles import load_profile
>>> from siting.data.workspace import WorkspaceSite
>>> ls = load_layerset("demo", region="9901,9902,9903,9904")
>>> site = ls.vector("sites").iloc[0].geometry.centroid.buffer(500)
>>> own = WorkspaceSite("S1", "Hamnen", site.wkt, zoning="industrial", grid_capacity_mw=150.0,
...                     grid_capacity_source="Nätbolaget", grid_capacity_date="2026-11-20")
>>> res = evaluate_workspace(load_profile("battery_plant"), ls, [own], [])
>>> row = res.table.set_index("site_id").loc["S1"]
>>> float(row["metric_grid_capacity_10km_mw"]), "Nätbolaget" in row["decided_by_sv"]
(150.0, True)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.core.i18n import t
from siting.data.catalog import LayerSpec
from siting.data.layerset import LayerSet, LoadedLayer, LoadReport
from siting.data.workspace import WorkspaceLayer, WorkspaceSite, layer_frame, sites_frame
from siting.scoring.result import SitingResult

__all__ = ["decision_layerset", "evaluate_workspace", "local_metrics", "with_workspace_layers",
           "workspace_sites"]

_LOG = logging.getLogger(__name__)
#: (site position, metric id) -> (Swedish, English, language-neutral) text of the local source.
Decided = dict[tuple[int, str], tuple[str, str, str]]
_GRID_TYPE = "substations"
_GRID_FIELD = "available_capacity_mw"
#: A local point this close to a national one is the same feature, better recorded (metres).
SUPERSEDE_M = 250.0


def _spec(layer: WorkspaceLayer) -> LayerSpec:
    vintage = dt.date.fromisoformat(layer.vintage) if layer.vintage else dt.date.today()
    return LayerSpec(id=f"workspace_{layer.layer_id}", type=layer.type,
                     theme=layer.theme,  # type: ignore[arg-type]
                     kind=layer.kind,  # type: ignore[arg-type]
                     title_sv=layer.title, title_en=layer.title, source=layer.source,
                     attribution=t("ws.own_data", "en", org=layer.organisation_id),
                     licence=t("ws.own_licence", "en"), vintage=vintage)


def with_workspace_layers(layerset: LayerSet, layers: Sequence[WorkspaceLayer]) -> LayerSet:
    """The LayerSet plus the workspace layers (after the catalogue's, ids ``workspace_L<n>``).

    The national layer stays the first of its type (what metrics read by default);
    :func:`local_metrics` gives the local ones precedence where they cover a place.
    """
    extra: dict[str, LoadedLayer] = {}
    for layer in layers:
        frame = layer_frame(layer)
        spec = _spec(layer)
        extra[spec.id] = LoadedLayer(spec=spec, data=frame, report=LoadReport(
            source=layer.source, n_read=len(frame), n_loaded=len(frame), source_crs="EPSG:3006",
            notes=(t("ws.local_note", "en", coverage=", ".join(layer.coverage) or "-"),)))
    if not extra:
        return layerset
    return dataclasses.replace(layerset, layers={**dict(layerset.layers), **extra})


def _local_layer(layerset: LayerSet, layer: WorkspaceLayer
                 ) -> tuple[LoadedLayer, gpd.GeoDataFrame]:
    """The workspace layer as :func:`with_workspace_layers` loads it, and its features."""
    loaded = with_workspace_layers(layerset, [layer]).layers[_spec(layer).id]
    if not isinstance(loaded.data, gpd.GeoDataFrame):  # layer_frame always gives one
        raise TypeError(f"workspace layer {layer.layer_id} is not a vector layer")
    return loaded, loaded.data


def _only(layerset: LayerSet, loaded: LoadedLayer, data: gpd.GeoDataFrame) -> LayerSet:
    """``layerset`` with ``data`` (under ``loaded``'s spec) as the only layer of its type."""
    kept = {k: v for k, v in layerset.layers.items() if v.spec.type != loaded.spec.type}
    kept[loaded.spec.id] = dataclasses.replace(loaded, data=data)
    return dataclasses.replace(layerset, layers=kept)


def _merged(layerset: LayerSet, local: gpd.GeoDataFrame, type_name: str) -> gpd.GeoDataFrame:
    """The national layer of ``type_name`` with the local features added.

    A local point supersedes national points within :data:`SUPERSEDE_M` (the same
    station recorded with better evidence).
    """
    national = layerset.vector(type_name)
    if national is None or not len(national):
        return local
    keep = national
    if len(local) and (local.geom_type == "Point").all():
        tree = shapely.STRtree(np.asarray(local.geometry.values, dtype=object))
        hit, _ = tree.query(np.asarray(national.geometry.values, dtype=object),
                            predicate="dwithin", distance=SUPERSEDE_M)
        near = np.zeros(len(national), dtype=bool)
        near[hit] = True
        keep = national[~near]
    both = pd.concat([keep, local], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry=both.geometry.name, crs=local.crs or national.crs)


def decision_layerset(layerset: LayerSet, layers: Sequence[WorkspaceLayer]) -> LayerSet:
    """The LayerSet the evaluator decides on: each type's first layer holds the national
    features plus the workspace's (:func:`_merged`), every feature with a ``source``, so
    the evaluator's per-criterion "decided by" names the local layer where a local
    feature decided (and coverage declarations still apply to the national part).
    """
    out = layerset
    for layer in layers:
        loaded, features = _local_layer(layerset, layer)
        local = features.copy()
        local["source"] = t("ws.local_source", "en", title=layer.title, source=layer.source)
        national = out.get(layer.type)
        if national is None or not isinstance(national.data, gpd.GeoDataFrame):
            out = _only(out, loaded, local)
            continue
        nat = national.data
        if "source" not in nat.columns:
            nat = nat.assign(source=national.spec.id)
        merged = _merged(dataclasses.replace(out, layers={**dict(out.layers), national.spec.id:
                                                          dataclasses.replace(national,
                                                                              data=nat)}),
                         local, layer.type)
        out = dataclasses.replace(out, layers={**dict(out.layers), national.spec.id:
                                               dataclasses.replace(national, data=merged)})
    return out


def _coverage_mask(layer: WorkspaceLayer, sites: gpd.GeoDataFrame) -> np.ndarray:
    if not layer.coverage:
        return np.ones(len(sites), dtype=bool)
    codes = sites["kommunkod"].astype("string").to_numpy(dtype=object, na_value=None)
    return np.array([c in set(layer.coverage) for c in codes], dtype=bool)


def _compute(spec: Any, sites: gpd.GeoDataFrame, layerset: LayerSet) -> pd.Series:
    """The metric, NaN where it cannot be computed (missing field, empty layer)."""
    from siting.core.errors import SitingError
    from siting.metrics.registry import compute_metric

    try:
        values = compute_metric(spec.kind, sites, layerset, {**dict(spec.params), "id": spec.id},
                                name=spec.id)
    except SitingError:
        return pd.Series(np.nan, index=sites.index)
    return pd.Series(values, index=sites.index)


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    na_a, na_b = a.isna().to_numpy(), b.isna().to_numpy()
    same = (na_a & na_b) | (~na_a & ~na_b & (a.astype(object).to_numpy()
                                             == b.astype(object).to_numpy()))
    return ~same


def local_metrics(sites: gpd.GeoDataFrame, profile: Any, layerset: LayerSet,
                  metrics: pd.DataFrame, layers: Sequence[WorkspaceLayer]
                  ) -> tuple[pd.DataFrame, Decided]:
    """Apply local evidence to a metrics table (see the module docstring, step 3).

    A workspace layer of type *T* decides a metric on *T* for a site when its own
    features change the value there (the metric on the local features alone differs
    from the metric on no features): the site then gets the value measured on the
    national layer plus the local features. Elsewhere the national value stays,
    unknown included: a local layer never turns a national gap into a silent 0.

    Returns
    -------
    (DataFrame, dict)
        The metrics with local values in place, and ``(site position, metric id) ->
        (Swedish, English)`` text naming the local source that decided the value.
    """
    out = metrics.copy()
    decided: Decided = {}
    for layer in layers:
        loaded, local = _local_layer(layerset, layer)
        specs = [m for m in profile.metrics if m.layer_type == layer.type]
        eligible = _coverage_mask(layer, sites)
        if not specs or not eligible.any() or not len(local):
            continue
        sub = sites[eligible]
        alone = _only(layerset, loaded, local)
        nothing = _only(layerset, loaded, local.iloc[0:0])
        both = _only(layerset, loaded, _merged(layerset, local, layer.type))
        args = {"title": layer.title, "source": layer.source, "vintage": layer.vintage}
        for spec in specs:
            touched = sub[_differs(_compute(spec, sub, alone), _compute(spec, sub, nothing))]
            if not len(touched):
                continue
            values = _compute(spec, touched, both)
            _put(out, spec.id, values[values.notna()], decided, sites,
                 t("ws.decided_layer", "sv", **args), t("ws.decided_layer", "en", **args),
                 f"{layer.title} ({layer.source}, {layer.vintage})")
    _confirmed_capacity(out, sites, profile, decided)
    return out, decided


def _put(out: pd.DataFrame, metric_id: str, values: pd.Series,
         decided: Decided, sites: gpd.GeoDataFrame,
         sv: str, en: str, neutral: str) -> None:
    if not len(values):
        return
    if metric_id not in out.columns:
        out[metric_id] = pd.Series(np.nan, index=out.index, dtype=values.dtype
                                   if pd.api.types.is_numeric_dtype(values.dtype) else object)
    out.loc[values.index, metric_id] = values
    for label in values.index:
        decided[(int(sites.index.get_loc(label)), metric_id)] = (sv, en, neutral)


def _confirmed_capacity(out: pd.DataFrame, sites: gpd.GeoDataFrame, profile: Any,
                        decided: Decided) -> None:
    if "grid_capacity_mw" not in sites.columns:
        return
    cap = pd.to_numeric(sites["grid_capacity_mw"], errors="coerce")
    has = cap.notna()
    for spec in profile.metrics:
        if spec.layer_type != _GRID_TYPE or spec.params.get("field") != _GRID_FIELD:
            continue
        for label in sites.index[has.to_numpy()]:
            row = sites.loc[label]
            args = {"mw": f"{cap[label]:g}", "source": row.get("grid_capacity_source") or "?",
                    "date": row.get("grid_capacity_date") or "?"}
            _put(out, spec.id, cap.loc[[label]].astype(float), decided, sites,
                 t("ws.decided_confirmed", "sv", **args), t("ws.decided_confirmed", "en", **args),
                 f"{args['source']} {args['date']}: {args['mw']} MW")


def workspace_sites(layerset: LayerSet, own: Sequence[WorkspaceSite],
                    base: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame | None:
    """The catalogue's sites (or ``base``) plus the workspace's sites in the study area + buffer.

    ``origin`` says which is which; None when there are none at all.
    """
    frames = []
    base = base if base is not None else layerset.vector("sites")
    if base is not None and len(base):
        base = base.copy()
        base["origin"] = "catalogue"
        frames.append(base)
    if own:
        mine = sites_frame(own)
        inside = mine.intersects(layerset.region.extent)
        if (~inside).any():
            _LOG.info("workspace sites outside the study area left out: %s",
                      ", ".join(mine.loc[~inside, "name"].astype(str)))
        mine = mine[inside]
        if len(mine) and layerset.municipalities is not None and len(layerset.municipalities):
            from siting.metrics.attributes import assign_kommunkod

            mine["kommunkod"] = assign_kommunkod(mine, layerset.municipalities)
        frames.append(mine)
    if not frames:
        return None
    both = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=frames[0].crs)


def evaluate_workspace(profile: Any, layerset: LayerSet, sites: Sequence[WorkspaceSite],
                       layers: Sequence[WorkspaceLayer], *, lang_default: str = "sv",
                       progress: bool = False, strict: bool = False,
                       base_sites: gpd.GeoDataFrame | None = None) -> SitingResult:
    """Evaluate the catalogue's and the workspace's sites, local evidence first.

    Parameters
    ----------
    profile : Profile
    layerset : LayerSet
        The catalogue's layers for the study area.
    sites, layers : sequences
        The workspace's (kept) sites and layers.
    strict : bool
        Unknown counts as fail (see :func:`siting.scoring.sites.evaluate`).
    base_sites : GeoDataFrame, optional
        The other candidates (default: the catalogue's sites layer), e.g. named
        candidate areas where the data has no sites layer.

    Returns
    -------
    SitingResult
        Its table has ``origin`` (``catalogue``/``workspace``) and ``decided_by_sv`` /
        ``decided_by_en`` (which local source decided which criterion; empty = national).
    """
    from siting.scoring.sites import _params_key, compute_metrics, evaluate, prepare_sites

    full_ls = with_workspace_layers(layerset, layers)
    all_sites = workspace_sites(layerset, sites, base_sites)
    if all_sites is None or not len(all_sites):
        return evaluate(None, profile, full_ls, lang_default=lang_default, progress=progress,
                        strict=strict)
    prepared = prepare_sites(all_sites, layerset, source="workspace")
    metrics, _missing, methods = compute_metrics(prepared, profile, layerset, progress=progress)
    metrics, decided = local_metrics(prepared, profile, layerset, metrics, layers)
    metrics.attrs["metric_params"] = {s.id: _params_key(s) for s in profile.metrics
                                      if s.id in metrics.columns}
    for (_, metric_id), (_sv, en, _neutral) in decided.items():
        methods.setdefault(metric_id, {"kind": profile.metric(metric_id).kind})
        methods[metric_id] = {**methods[metric_id], "local_evidence": en}
    metrics.attrs["methods"] = methods
    result = evaluate(prepared, profile, decision_layerset(full_ls, layers),
                      lang_default=lang_default, metrics_cache=metrics,
                      sites_source="workspace + catalogue", strict=strict)
    result = _local_verdicts(result, profile, decided)
    return _with_decided_by(result, prepared, profile, decided)


def _local_verdicts(result: SitingResult, profile: Any,
                    decided: Decided) -> SitingResult:
    """Re-decide the hard criteria whose metric local evidence measured, for those sites.

    The national layer's coverage makes a criterion *unknown* where its data is not
    conclusive; a local value (a confirmed capacity, the grid owner's stations) is the
    evidence that decides it, so there the evaluator is asked again with conclusive
    evidence naming the local source.
    """
    from siting.criteria.evaluator import (
        FAIL,
        UNKNOWN,
        Evidence,
        hard_codes,
        rank_order,
        reason,
        row_verdict,
        status_names,
    )

    rows = sorted({pos for pos, _ in decided})
    if not rows or not profile.hard:
        return result
    codes = result.hard_status.to_numpy().copy()
    metrics = result.table
    for pos in rows:
        for j, crit in enumerate(profile.hard):
            hit = decided.get((pos, crit.metric))
            if hit is None:
                continue
            local_ev = Evidence(crit.metric, layer_id="workspace", layer_source=hit[1])
            value = metrics[f"metric_{crit.metric}"].iloc[pos]
            codes[pos, j] = hard_codes(crit, np.array([value], dtype=object), local_ev)[0]
    table = metrics.copy()
    evidence = dict(getattr(result, "evidence", {}) or {})
    for pos in rows:
        texts: dict[str, list[str]] = {"fail_sv": [], "fail_en": [], "unk_sv": [], "unk_en": []}
        for j, crit in enumerate(profile.hard):
            code = int(codes[pos, j])
            if code not in (FAIL, UNKNOWN):
                continue
            local = (pos, crit.metric) in decided
            ev = None if local else evidence.get(crit.metric)
            value = table[f"metric_{crit.metric}"].iloc[pos]
            value = None if value is pd.NA or (isinstance(value, float) and value != value) \
                else value
            prefix = "fail" if code == FAIL else "unk"
            texts[f"{prefix}_sv"].append(reason(crit, value, code, ev, "sv"))
            texts[f"{prefix}_en"].append(reason(crit, value, code, ev, "en"))
        label = table.index[pos]
        for col, key in (("failures_sv", "fail_sv"), ("failures_en", "fail_en"),
                         ("not_checked_sv", "unk_sv"), ("not_checked_en", "unk_en")):
            table.at[label, col] = "; ".join(texts[key])
    ids = np.array([c.id for c in profile.hard], dtype=object)
    verdict = row_verdict(codes, strict=getattr(result, "strict", False))
    table["n_failed"] = (codes == FAIL).sum(axis=1).astype(np.int64)
    table["n_not_evaluated"] = (codes == UNKNOWN).sum(axis=1).astype(np.int64)
    table["hard_incomplete"] = (codes == UNKNOWN).any(axis=1)
    if "unknown_criteria" in table.columns:
        table["unknown_criteria"] = [", ".join(ids[r]) if r.any() else ""
                                     for r in codes == UNKNOWN]
    if "status" in table.columns:
        table["status"] = pd.array(status_names(verdict), dtype="string")
    table["passes_hard"] = verdict != FAIL
    table["rank"] = rank_order(verdict, table["score"].to_numpy(dtype=float))
    hard_status = pd.DataFrame(codes, index=result.hard_status.index,
                               columns=result.hard_status.columns, dtype=np.int8)
    return dataclasses.replace(result, table=table, hard_status=hard_status, _memo={})


def _with_decided_by(result: SitingResult, sites: gpd.GeoDataFrame, profile: Any,
                     decided: Decided) -> SitingResult:
    crits = [(c.id, c.metric, c.label_sv or c.metric, c.label_en or c.metric)
             for c in profile.hard]
    crits += [(c.id, c.metric, profile.metric(c.metric).label_sv,
               profile.metric(c.metric).label_en) for c in profile.soft]
    sv_col: list[str] = []
    en_col: list[str] = []
    for pos in range(len(sites)):
        sv, en = [], []
        for _cid, metric, lab_sv, lab_en in crits:
            hit = decided.get((pos, metric))
            if hit and f"{lab_sv}: {hit[0]}" not in sv:
                sv.append(f"{lab_sv}: {hit[0]}")
                en.append(f"{lab_en}: {hit[1]}")
        sv_col.append("; ".join(sv))
        en_col.append("; ".join(en))
    table = result.table.copy()
    for (pos, metric_id), (_sv, _en, neutral) in decided.items():
        col = f"source_{metric_id}"  # where the evaluator records which source decided
        if col not in table.columns:
            table[col] = pd.Series(pd.NA, index=table.index, dtype="string")
        table.loc[table.index[pos], col] = neutral
    table["origin"] = sites["origin"].fillna("catalogue").astype("string").to_numpy()
    table["decided_by_sv"] = pd.Series(sv_col, index=table.index, dtype="string")
    table["decided_by_en"] = pd.Series(en_col, index=table.index, dtype="string")
    return dataclasses.replace(result, table=table)
