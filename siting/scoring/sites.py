"""Score candidate sites with an establishment profile: :func:`evaluate` -> :class:`SitingResult`.

The wiring between the metrics (:mod:`siting.metrics`), the profile
(:mod:`siting.criteria.profiles`) and the MCDA core (:mod:`siting.criteria.mcda`):

1. every metric of the profile is computed once for all sites
   (:func:`compute_metrics`); a metric whose layer type is not loaded is not
   computed and every criterion on it is *unknown* (listed in the result, with
   a Swedish and English explanation; never silently passed);
2. the evaluator (:mod:`siting.criteria.evaluator`, shared with the surface and
   the comparison) decides every hard criterion per site: pass, fail (with a
   sentence naming the measured value and the threshold) or unknown (layer,
   field or value missing, or a layer that does not cover what the criterion
   asks, with what would decide it); the ``status`` column is the site's verdict
   and ``hard_incomplete`` flags sites with unknowns;
3. soft criteria map metrics to values 0..1 through their value functions
   (NaN -> 0, flagged "no data"; a site with no soft data at all scores NaN);
   criteria not evaluated are left out of the score and the weights renormalised;
4. the values are aggregated per the profile (weighted sum, TOPSIS or the
   cautious weighted minimum) into a score 0..100, and sites are ranked by the
   policy of :func:`siting.criteria.evaluator.rank_order`: failing sites last,
   sites with unknowns among the passing ones (``strict=True``: unknown fails).

Examples
--------
>>> from siting.data.layers import load_layerset
>>> from siting.criteria.profiles import load_profile
>>> ls = load_layerset("demo", region="9901,9902,9903,9904")
>>> res = evaluate(None, load_profile("battery_plant"), ls)
>>> top = res.table.sort_values("rank").iloc[0]
>>> bool(top["passes_hard"]), bool(0 <= top["score"] <= 100)
(True, True)
>>> failing = res.table[~res.table["passes_hard"].astype(bool)]
>>> all("krav" in text for text in failing["failures_sv"])
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from tqdm import tqdm

from siting.core.errors import ScoringError
from siting.core.frozen import FrozenMap, freeze
from siting.core.i18n import t
from siting.core.provenance import (
    Provenance,
    layer_records,
    library_versions,
    sites_fingerprint,
    utc_now,
)
from siting.criteria.evaluator import (
    FAIL,
    UNKNOWN,
    Evidence,
    evidence_for,
    hard_matrix,
    rank_order,
    row_verdict,
    soft_values,
    status_names,
)
from siting.criteria.profiles import Profile
from siting.data.layerset import LayerSet
from siting.scoring.result import NotEvaluated, SitingResult, no_data_score, score_values
from siting.scoring.texts import hard_texts, join_flags

__all__ = ["compute_metrics", "evaluate", "metric_evidence", "prepare_sites", "reproduce"]



# ----------------------------------------------------------------------------- sites
def prepare_sites(sites: gpd.GeoDataFrame | None, layerset: LayerSet | None, *,
                  source: str = "sites") -> gpd.GeoDataFrame:
    """Check and complete candidate sites: EPSG:3006, unique ``site_id``, ``kommunkod``.

    Parameters
    ----------
    sites : GeoDataFrame or None
        The candidate sites; None takes the LayerSet's ``sites`` layer.
    layerset : LayerSet
        Supplies the default sites and the municipalities for ``kommunkod``.
    source : str
        Named in errors (e.g. the file the sites came from).

    Returns
    -------
    GeoDataFrame
        A copy in EPSG:3006 with ``site_id`` (text), ``name`` and ``kommunkod``; the index
        is kept.

    Raises
    ------
    ScoringError
        No sites, duplicated index labels or site ids, missing geometries.
    CrsError
        The sites have no CRS (or implausible coordinates).
    """
    from siting.core.crs import to_analysis_crs

    if sites is None:
        sites = layerset.vector("sites") if layerset is not None else None
        if sites is None:
            raise ScoringError.single(
                "layers", "there are no candidate sites: the dataset has no 'sites' layer and "
                "no sites were given", field="sites",
                hint="add a layer of type 'sites' to the catalogue or pass sites (CLI: --sites "
                     "FILE)")
        source = "layer 'sites'"
    if not isinstance(sites, gpd.GeoDataFrame):
        raise ScoringError.single(source, f"candidate sites must be a GeoDataFrame, got "
                                  f"{type(sites).__name__}")
    if len(sites) == 0:
        raise ScoringError.single(source, "there are no candidate sites in the study area",
                                  hint="choose other municipalities or add candidate sites")
    if not sites.index.is_unique:
        raise ScoringError.single(source, "the sites' index has duplicated labels",
                                  hint="call sites.reset_index(drop=True) first")
    out = to_analysis_crs(sites, source).copy()
    empty = out.geometry.isna().to_numpy() | out.geometry.is_empty.to_numpy()
    if "site_id" not in out.columns:
        out["site_id"] = [str(i) for i in out.index]
    ids = out["site_id"]
    if ids.isna().any():
        bad = [str(i) for i in out.index[ids.isna().to_numpy()][:10]]
        raise ScoringError.single(source, f"sites without site_id at index {', '.join(bad)}",
                                  field="site_id", hint="give every site a unique id")
    out["site_id"] = ids.astype(str).astype("string")
    dup = out["site_id"][out["site_id"].duplicated(keep=False)].unique().tolist()
    if dup:
        raise ScoringError.single(source, f"duplicated site ids: {', '.join(map(str, dup[:10]))}",
                                  field="site_id", hint="give every site a unique id")
    if empty.any():
        bad = out["site_id"][empty].astype(str).tolist()[:10]
        raise ScoringError.single(source, f"sites without geometry: {', '.join(bad)}",
                                  field="geometry", hint="draw or remove these sites")
    if "name" not in out.columns:
        out["name"] = ""
    if "kommunkod" not in out.columns or out["kommunkod"].isna().all():
        muni = getattr(layerset, "municipalities", None)
        if muni is not None and len(muni):
            from siting.metrics.attributes import assign_kommunkod

            out["kommunkod"] = assign_kommunkod(out, muni)
        else:
            out["kommunkod"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["kommunkod"] = out["kommunkod"].astype("string")
    return out


def _small_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Method notes worth keeping: scalars and small mappings (not per-site arrays)."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, str | int | float | bool) or value is None:
            out[str(key)] = value
        elif isinstance(value, Mapping) and len(value) <= 20 and all(
                isinstance(v, str | int | float | bool) for v in value.values()):
            out[str(key)] = {str(k): v for k, v in value.items()}
    return out


def _params_key(spec: Any) -> str:
    return f"{spec.kind}:{sorted((str(k), repr(v)) for k, v in dict(spec.params).items())}"


def compute_metrics(
    sites: gpd.GeoDataFrame,
    profile: Profile,
    layerset: LayerSet,
    *,
    cache: pd.DataFrame | None = None,
    progress: bool = False,
    nearest_positions: dict[str, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[str, Any]]]:
    """Compute every metric of ``profile`` once for all sites.

    Parameters
    ----------
    sites : GeoDataFrame
        Prepared sites (:func:`prepare_sites`).
    profile : Profile
    layerset : LayerSet
    cache : DataFrame, optional
        Metric values computed before (e.g. :attr:`SitingResult.metrics`), indexed like
        ``sites``; a column is reused when its id matches and (if recorded in
        ``cache.attrs["metric_params"]``) its kind and parameters too.
    progress : bool
        Show a tqdm progress bar on stderr.
    nearest_positions : dict, optional
        Filled with metric id -> row position of the nearest feature (in the filtered
        layer) for the distance metrics computed here (see :func:`feature_sources`).

    Returns
    -------
    (DataFrame, dict, dict)
        The metrics table (columns = metric ids; missing-layer metrics absent), metric id
        -> missing layer type, and metric id -> method notes (the Series' ``attrs`` plus
        the kind and the seconds taken).
    """
    from siting.metrics.registry import MissingLayer, compute_metric
    from siting.metrics.roadgraph import RoadGraphCache

    graph_cache = RoadGraphCache()  # one road graph shared by this run's labour-pool metrics
    table_cache: dict[str, pd.DataFrame | None] = {}  # merged table layers, once per type

    cols: dict[str, pd.Series] = {}
    positions = nearest_positions if nearest_positions is not None else {}
    missing: dict[str, str] = {}
    methods: dict[str, dict[str, Any]] = {}
    cached_params = dict(cache.attrs.get("metric_params", {})) if cache is not None else {}
    cached_methods = dict(cache.attrs.get("methods", {})) if cache is not None else {}
    if cache is not None and not cache.index.equals(sites.index):
        raise ScoringError.single("metrics_cache", "the cached metrics are indexed differently "
                                  "from the sites", hint="pass the metrics of the same sites")
    bar = tqdm(profile.metrics, desc="metrics", unit="metric", file=sys.stderr,
               disable=None if progress else True, leave=False)
    for spec in bar:
        key = _params_key(spec)
        if cache is not None and spec.id in cache.columns and \
                cached_params.get(spec.id, key) == key:
            cols[spec.id] = cache[spec.id].rename(spec.id)
            methods[spec.id] = dict(cached_methods.get(spec.id, {"kind": spec.kind}))
            continue
        t0 = time.perf_counter()
        params = {**dict(spec.params), "id": spec.id}
        try:
            series = compute_metric(spec.kind, sites, layerset, params, name=spec.id,
                                    graph_cache=graph_cache, table_cache=table_cache)
        except MissingLayer as exc:
            missing[spec.id] = exc.layer_type
            if exc.field is not None:  # the layer is loaded but lacks the field
                methods[spec.id] = {"kind": spec.kind, "missing_field": exc.field}
            continue
        note: dict[str, Any] = {"kind": spec.kind}
        attrs, series.attrs = dict(getattr(series, "attrs", {})), {}  # pandas deep-copies attrs
        if isinstance(attrs.get("nearest_position"), list):
            positions[spec.id] = np.asarray(attrs["nearest_position"], dtype=np.int64)
        note.update(_small_attrs(attrs))
        series = pd.Series(series, index=sites.index, name=spec.id)
        note["seconds"] = round(time.perf_counter() - t0, 4)
        cols[spec.id] = series
        methods[spec.id] = note
    table = pd.DataFrame(cols, index=sites.index)
    table.attrs["metric_params"] = {s.id: _params_key(s) for s in profile.metrics
                                    if s.id in cols}
    table.attrs["methods"] = methods
    return table, missing, methods


# ----------------------------------------------------------------------------- criteria
def _missing_texts(label_sv: str, label_en: str, evidence: Evidence) -> tuple[str, str]:
    """The sentence of a criterion that could not be evaluated, in user words: what is
    unknown and what would decide it (the evaluator's evidence, as site details say it)."""
    sv, en = (t("site.not_scored_item", lang, criterion=label, why=evidence.why(lang),
                decide=evidence.decide(lang))
              for lang, label in (("sv", label_sv), ("en", label_en)))
    return sv, en


def feature_sources(sites: gpd.GeoDataFrame, profile: Profile, layerset: LayerSet | None,
                    missing: Mapping[str, str],
                    positions: Mapping[str, np.ndarray] | None = None) -> dict[str, pd.Series]:
    """Per distance / nearest-attribute metric whose layer has a ``source`` field: the
    ``source`` of the nearest (filtered) feature per site, i.e. which source decided it.

    ``positions`` (metric id -> row position of the nearest feature in the filtered
    layer, as the distance metric found it) saves the second nearest-feature query."""
    from siting.metrics.filters import apply_filter

    out: dict[str, pd.Series] = {}
    if layerset is None:
        return out
    for m in profile.metrics:
        if m.kind not in ("distance", "nearest_attribute") or m.id in missing:
            continue
        layer = layerset.vector(str(m.layer_type))
        if layer is None or "source" not in layer.columns:
            continue
        layer = apply_filter(layer, m.params.get("filter"), source=f"metric '{m.id}'")
        if not len(layer):
            continue
        pos = (positions or {}).get(m.id)
        if pos is None or len(pos) != len(sites):
            _, pos = layer.sindex.nearest(sites.geometry, return_all=False)
        src = pd.array(layer["source"].astype("string").to_numpy()[np.maximum(pos, 0)],
                       dtype="string")
        src[np.asarray(pos) < 0] = pd.NA
        out[m.id] = pd.Series(src, index=sites.index, dtype="string")
    return out


def metric_evidence(profile: Profile, layerset: LayerSet | None, missing: Mapping[str, str],
                    methods: Mapping[str, Mapping[str, Any]]) -> dict[str, Evidence]:
    """The evaluator's :class:`Evidence` of every metric of ``profile`` on ``layerset``."""
    return {m.id: evidence_for(m, layerset, missing=missing.get(m.id),
                               missing_field=methods.get(m.id, {}).get("missing_field"))
            for m in profile.metrics}


def _decide_hard(profile: Profile, metrics: pd.DataFrame, missing: Mapping[str, str],
                 evidence: Mapping[str, Evidence]
                 ) -> tuple[np.ndarray, dict[str, np.ndarray], list[NotEvaluated]]:
    """Codes (sites x hard criteria) from the evaluator, plus the fail/unknown sentences."""
    n = len(metrics)
    cols = {c: metrics[c] for c in metrics.columns}
    codes = hard_matrix(profile.hard, cols, n, evidence)
    not_eval: list[NotEvaluated] = []
    for crit in profile.hard:
        if crit.metric in missing:
            sv, en = _missing_texts(crit.label_sv or crit.metric, crit.label_en or crit.metric,
                                    evidence[crit.metric])
            not_eval.append(NotEvaluated(crit.id, "hard", crit.metric, missing[crit.metric],
                                         sv, en))
    values = {c: _reason_values(cols[c]) for c in {h.metric for h in profile.hard} if c in cols}
    return codes, hard_texts(profile.hard, values, codes, dict(evidence)), not_eval


def _reason_values(col: pd.Series) -> np.ndarray:
    """A metric column as float64 (NaN missing) when numeric, else object."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return np.asarray(col.to_numpy(dtype="float64", na_value=np.nan))
    return np.asarray(col.to_numpy(dtype=object))


def _decide_soft(profile: Profile, metrics: pd.DataFrame, missing: Mapping[str, str],
                 evidence: Mapping[str, Evidence]
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[NotEvaluated]]:
    """Soft values 0..1 and no-data masks per criterion (from the evaluator)."""
    n = len(metrics)
    values: dict[str, np.ndarray] = {}
    nodata: dict[str, np.ndarray] = {}
    not_eval: list[NotEvaluated] = []
    for crit in profile.soft:
        if crit.metric in missing:
            m = profile.metric(crit.metric)
            sv, en = _missing_texts(m.label_sv, m.label_en, evidence[crit.metric])
            not_eval.append(NotEvaluated(crit.id, "soft", crit.metric, missing[crit.metric],
                                         sv, en))
            values[crit.id] = np.full(n, np.nan)
            nodata[crit.id] = np.ones(n, dtype=bool)
            continue
        values[crit.id], nodata[crit.id] = soft_values(crit, metrics[crit.metric])
    return values, nodata, not_eval


# ----------------------------------------------------------------------------- evaluate
def evaluate(
    sites: gpd.GeoDataFrame | None,
    profile: Profile,
    layerset: LayerSet,
    *,
    lang_default: str = "sv",
    metrics_cache: pd.DataFrame | None = None,
    progress: bool = False,
    sites_source: str = "",
    strict: bool = False,
) -> SitingResult:
    """Evaluate candidate sites with a profile on a LayerSet.

    Parameters
    ----------
    sites : GeoDataFrame or None
        Candidate sites (any CRS; reprojected to EPSG:3006); None takes the LayerSet's
        ``sites`` layer.
    profile : Profile
        The establishment profile (its ``weights`` are used).
    layerset : LayerSet
        The loaded layers (metrics read them by canonical type).
    lang_default : {"sv", "en"}
        Default language of the result's exports.
    metrics_cache : DataFrame, optional
        Metrics computed before for the same sites (see :func:`compute_metrics`).
    progress : bool
        Show a progress bar on stderr while metrics are computed.
    sites_source : str
        Where the sites came from, for the provenance (default: the LayerSet's layer).
    strict : bool
        Count an unknown hard criterion as a failure (default: unknown sites rank with
        the passing ones, flagged).

    Returns
    -------
    SitingResult

    Raises
    ------
    ScoringError
        No candidate sites, duplicated site ids, an unknown ``lang_default``.
    """
    if lang_default not in ("sv", "en"):
        raise ScoringError.single("lang", f"unknown language {lang_default!r}",
                                  hint="use 'sv' or 'en'")
    from_layerset = sites is None
    sites = prepare_sites(sites, layerset, source=sites_source or "sites")
    positions: dict[str, np.ndarray] = {}
    metrics, missing, methods = compute_metrics(sites, profile, layerset, cache=metrics_cache,
                                                progress=progress, nearest_positions=positions)
    metrics.attrs = {}  # pandas deep-copies attrs on every operation
    n = len(sites)
    evidence = metric_evidence(profile, layerset, missing, methods)
    for mid, ev in evidence.items():  # which layer decided, and what it cannot tell
        note = methods.setdefault(mid, {})
        note.update(layer_id=ev.layer_id, layer_source=ev.layer_source)
        if ev.bias != "none":
            note.update(coverage_gap=ev.why_en, decided_by=ev.decide_en)
    sources = feature_sources(sites, profile, layerset, missing, positions)
    codes, texts, not_eval = _decide_hard(profile, metrics, missing, evidence)
    hard_status = pd.DataFrame(codes, index=sites.index, columns=[c.id for c in profile.hard],
                               dtype=np.int8)
    verdict = row_verdict(codes, strict=strict)
    values, nodata, soft_ne = _decide_soft(profile, metrics, missing, evidence)
    not_eval += soft_ne
    weights = {c.id: float(profile.weights[c.id]) for c in profile.soft}
    ev_ids = [c.id for c in profile.soft if c.metric not in missing]
    total = sum(weights[c] for c in ev_ids)
    w = np.array([weights[c] / total if total > 0 else 0.0 for c in ev_ids])
    x = np.column_stack([values[c] for c in ev_ids]) if ev_ids else np.zeros((n, 0))
    scores = no_data_score(score_values(x, w, profile.aggregation),
                           np.column_stack([nodata[c] for c in ev_ids]) if ev_ids else None)
    cols: dict[str, Any] = {
        "site_id": sites["site_id"].astype("string"),
        "name": sites["name"],
        "kommunkod": sites["kommunkod"].astype("string"),
    }
    if "area_ha" in sites.columns:
        cols["area_ha"] = pd.to_numeric(sites["area_ha"], errors="coerce")
    cols.update({
        "status": pd.array(status_names(verdict), dtype="string"),
        "passes_hard": verdict != FAIL,
        "hard_incomplete": (codes == UNKNOWN).any(axis=1),
        "n_failed": (codes == FAIL).sum(axis=1).astype(np.int64),
        "n_not_evaluated": (codes == UNKNOWN).sum(axis=1).astype(np.int64),
        "failures_sv": texts["fail_sv"],
        "failures_en": texts["fail_en"],
        "not_checked_sv": texts["unk_sv"],
        "not_checked_en": texts["unk_en"],
        "unknown_criteria": join_flags([c.id for c in profile.hard], codes == UNKNOWN),
        "score": scores,
        "rank": rank_order(verdict, scores),
    })
    table = _site_table(cols, profile, metrics, values, nodata, x, w, ev_ids, sites.index)
    for mid, src in sources.items():
        table[f"source_{mid}"] = src
    prov = dataclasses.replace(
        _provenance(profile, layerset, sites, from_layerset, sites_source, methods,
                    tuple(n.criterion_id for n in not_eval), weights), strict=strict)
    nd = pd.DataFrame(nodata, index=sites.index, columns=[c.id for c in profile.soft],
                      dtype=bool)
    return SitingResult(
        table=table, sites=sites, profile=profile, provenance=prov, hard_status=hard_status,
        not_evaluated_details=tuple(not_eval), missing_metrics=FrozenMap(dict(missing)),
        weights=FrozenMap(weights), no_data=nd, lang_default=lang_default, strict=strict,
        evidence=FrozenMap(evidence),
        _memo=SitingResult.rank_memo(
            ev_ids, x, nd[ev_ids].to_numpy(dtype=bool).all(axis=1) if ev_ids
            else np.ones(n, dtype=bool), verdict, strict))


def _site_table(cols: dict[str, Any], profile: Profile, metrics: pd.DataFrame,
                values: Mapping[str, np.ndarray], nodata: Mapping[str, np.ndarray],
                x: np.ndarray, w: np.ndarray, ev_ids: list[str], idx: pd.Index) -> pd.DataFrame:
    """The result table: the verdict columns, then metrics, values and contributions."""
    n = len(idx)
    for spec in profile.metrics:
        cols[f"metric_{spec.id}"] = (metrics[spec.id] if spec.id in metrics.columns
                                     else np.full(n, np.nan))
    for c in profile.soft:
        cols[f"value_{c.id}"] = values[c.id]
    pos = {c: j for j, c in enumerate(ev_ids)}
    for c in profile.soft:
        cols[f"contrib_{c.id}"] = (x[:, pos[c.id]] * w[pos[c.id]] * 100.0 if c.id in pos
                                   else np.zeros(n))
    nd = np.column_stack([nodata[c.id] for c in profile.soft]) if profile.soft else \
        np.zeros((n, 0), dtype=bool)
    cols["no_data"] = join_flags([c.id for c in profile.soft], nd)
    for col in ("failures_sv", "failures_en", "not_checked_sv", "not_checked_en", "no_data",
                "unknown_criteria"):  # dtype "string" over the Python objects: no copy to
        cols[col] = pd.array(cols[col], dtype=pd.StringDtype("python"))  # Arrow (~40x)
    cols["name"] = pd.Series(cols["name"], index=idx).astype("string").fillna("")
    return pd.DataFrame(cols, index=idx)


def _provenance(profile: Profile, layerset: LayerSet | None, sites: gpd.GeoDataFrame, from_layerset: bool,
                sites_source: str, methods: Mapping[str, Any], not_evaluated: tuple[str, ...],
                weights: Mapping[str, float]) -> Provenance:
    cat = getattr(layerset, "catalog", None)
    region = getattr(layerset, "region", None)
    if from_layerset:
        lyr = layerset.get("sites") if layerset is not None else None
        src = f"layer '{lyr.spec.id}'" if lyr is not None else "layer 'sites'"
    else:
        src = sites_source or "in-memory GeoDataFrame"
    return Provenance(
        profile_id=str(profile.id), profile_hash=str(profile.content_hash),
        profile_path=str(getattr(profile, "source_path", "") or ""),
        profile_toml=profile.to_toml(), aggregation=str(profile.aggregation),
        weights=FrozenMap(dict(weights)),
        catalog_id=str(getattr(cat, "id", "") or ""),
        catalog_path=str(getattr(cat, "path", "") or ""),
        data_dir=str(getattr(layerset, "data_dir", "") or ""),
        region_codes=tuple(getattr(region, "kommunkoder", ()) or ()),
        region_label=str(getattr(region, "label", "") or ""),
        region_is_all=bool(getattr(region, "is_all", False)),
        buffer_m=float(getattr(region, "buffer_m", 0.0) or 0.0),
        layers=layer_records(layerset) if layerset is not None else (),
        sites_source=src, sites_fingerprint=sites_fingerprint(sites), n_sites=len(sites),
        metric_methods=freeze(methods),
        not_evaluated=not_evaluated, libraries=FrozenMap(library_versions()),
        created_utc=utc_now())


# ----------------------------------------------------------------------------- reproduce
def reproduce(provenance: Provenance | str, *, sites: gpd.GeoDataFrame | None = None,
              check: bool = True) -> SitingResult:
    """Re-run a result from its provenance (JSON text or :class:`Provenance`).

    The catalogue, data folder, region and buffer are re-loaded, the profile is re-read
    from the embedded canonical TOML, with the recorded weights. Sites come from the
    LayerSet, or from ``sites`` / the recorded file.

    Parameters
    ----------
    provenance : Provenance or str
    sites : GeoDataFrame, optional
        The sites, when they were given in memory.
    check : bool
        Raise when a data file, the profile or the sites differ from the recorded ones.

    Raises
    ------
    ScoringError
        With every difference found (``check=True``), or when the sites are unavailable.
    """
    from siting.core.errors import Problem
    from siting.core.provenance import file_sha256
    from siting.criteria.profiles import parse_profile
    from siting.data.layers import load_layerset

    prov = Provenance.from_json(provenance) if isinstance(provenance, str) else provenance
    profile = parse_profile(prov.profile_toml, source=f"provenance of {prov.profile_id}")
    recorded = {k: float(v) for k, v in prov.weights.items()}
    if recorded and any(abs(recorded.get(k, 0.0) - float(v)) > 1e-12
                        for k, v in profile.weights.items()):
        profile = profile.with_weights(recorded)
    region: Any = "all" if prov.region_is_all else list(prov.region_codes)
    ls = load_layerset(prov.catalog_path or prov.catalog_id, prov.data_dir or None,
                       region=region, buffer_m=prov.buffer_m)
    problems: list[Problem] = []
    if check:
        if hashlib.sha256(prov.profile_toml.encode("utf-8")).hexdigest() != prov.profile_hash:
            problems.append(Problem("profile", "", "profile_hash",
                                    "the embedded profile does not match its recorded hash"))
        for rec in prov.layers:
            now = file_sha256(rec.source) if rec.file_hash else ""
            if rec.file_hash and now != rec.file_hash:
                problems.append(Problem(rec.source, f"layer '{rec.id}'", "file_hash",
                                        f"the file changed ({rec.file_hash[:19]} -> {now[:19]})"))
    src = prov.sites_source
    if sites is None and not src.startswith("layer "):
        path = Path(src)
        if not path.is_file():
            raise ScoringError.single(src or "sites", "the sites were not read from the "
                                      "dataset and are not available", hint="pass sites=...")
        from siting.data.sites import read_sites

        sites = read_sites(path)
    res = evaluate(sites, profile, ls, sites_source="" if sites is None else src,
                   strict=prov.strict)
    if check and res.provenance.sites_fingerprint != prov.sites_fingerprint:
        problems.append(Problem("sites", "", "sites_fingerprint",
                                "the candidate sites differ from the recorded ones"))
    if problems:
        raise ScoringError.from_problems("The result cannot be reproduced exactly", problems)
    return res
