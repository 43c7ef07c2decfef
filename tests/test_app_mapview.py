"""Tests of siting.views.map: offline HTML, escaping, colouring, drawing options."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from siting.views import map as mapview

XSS = "<img src=x onerror=alert(1)>"


def _muni() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kommunkod": ["9901", "9801"], "name": ["Norrvik", "Grannby"]},
        geometry=[shapely.box(700_000, 7_150_000, 760_000, 7_200_000),
                  shapely.box(760_000, 7_150_000, 820_000, 7_200_000)],
        crs="EPSG:3006")


def _sites(n: int = 5, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(705_000, 755_000, n)
    y = rng.uniform(7_155_000, 7_195_000, n)
    passes = np.arange(n) % 2 == 0
    return gpd.GeoDataFrame(
        {"site_id": [f"NV-{i:02d}" for i in range(n)], "name": [XSS] * n,
         "score": rng.uniform(0, 1, n), "passes": passes,
         "rank": np.where(passes, np.arange(n) + 1, -1),
         "reasons": [() if p else (f"Yta: 3 ha {XSS}",) for p in passes]},
        geometry=shapely.buffer(shapely.points(x, y), 400.0), crs="EPSG:3006")


def _render(**kw: object) -> str:
    fmap = mapview.build_map(municipalities=_muni(), study_codes=["9901"], **kw)
    return mapview.map_html(fmap)


def test_rendered_map_references_no_external_resource() -> None:
    subs = gpd.GeoDataFrame({"voltage_kv": [400.0]}, geometry=shapely.points([710_000],
                            [7_160_000]), crs="EPSG:3006")
    page = _render(sites=_sites(), layers=[mapview.MapLayer("s", "Stationer", "energy", subs,
                                                            ("voltage_kv",))])
    assert "leaflet" in page.lower() and "L.map(" in page
    assert mapview.external_urls(page) == []
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']https?://", page)


def test_external_urls_detects_resources_and_basemap_tiles() -> None:
    assert mapview.external_urls('<link rel="stylesheet" href="https://x.org/a.css">') == [
        "https://x.org/a.css"]
    assert mapview.external_urls("a{background:url('//cdn.x/y.png')}") == ["//cdn.x/y.png"]
    page = _render(basemap=True)
    assert any("openstreetmap" in u for u in mapview.external_urls(page))


def test_user_text_is_escaped_in_popups_tooltips_and_labels() -> None:
    muni = _muni()
    muni.loc[0, "name"] = XSS
    fmap = mapview.build_map(municipalities=muni, study_codes=["9901"], sites=_sites())
    page = mapview.map_html(fmap)
    assert XSS not in page
    # inside the embedded GeoJSON, '<' is written as \u003c by the JSON encoder
    decoded = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert XSS not in decoded
    assert "&lt;img src=x onerror=alert(1)&gt;" in decoded


def test_failing_sites_grey_and_passing_coloured_by_score() -> None:
    sites = _sites(4)
    sites["score"] = [0.0, 0.9, 1.0, 0.2]
    page = _render(sites=sites)
    features = _site_features(page)
    by_id = {f["properties"]["site_id"]: f["properties"]["_style"]["fillColor"] for f in features
             if f["geometry"]["type"] == "Point"}
    assert by_id["NV-01"] == mapview.FAIL_COLOUR and by_id["NV-03"] == mapview.FAIL_COLOUR
    assert by_id["NV-00"] == mapview.score_colour(0.0) == "#440154"
    assert by_id["NV-02"] == mapview.score_colour(1.0) == "#fde725"


def _site_features(page: str) -> list[dict]:
    found = []
    decoder = json.JSONDecoder()
    for m in re.finditer(r"L\.geoJson\(\{", page):
        data, _ = decoder.raw_decode(page, m.end() - 1)
        found.extend(f for f in data["features"] if "site_id" in f["properties"])
    return found


def test_many_sites_become_circle_markers_with_rounded_coordinates() -> None:
    sites = _sites(400, seed=1)
    page = _render(sites=sites, site_style=mapview.SiteStyle(marker_threshold=300))
    feats = _site_features(page)
    assert len(feats) == 400
    assert {f["geometry"]["type"] for f in feats} == {"Point"}
    lon, lat = feats[0]["geometry"]["coordinates"]
    assert round(lon, 5) == pytest.approx(lon) and round(lat, 5) == pytest.approx(lat)
    small = _site_features(_render(sites=_sites(5)))
    assert sorted(f["geometry"]["type"] for f in small) == ["Point"] * 5 + ["Polygon"] * 5


def test_geojson_4326_simplifies_and_needs_crs() -> None:
    circle = gpd.GeoDataFrame(geometry=[shapely.Point(750_000, 7_170_000).buffer(5_000, 64)],
                              crs="EPSG:3006")
    full = mapview.geojson_4326(circle, simplify_m=0)
    simple = mapview.geojson_4326(circle, simplify_m=200)
    n_full = len(full["features"][0]["geometry"]["coordinates"][0])
    n_simple = len(simple["features"][0]["geometry"]["coordinates"][0])
    assert n_simple < n_full
    lon, lat = full["features"][0]["geometry"]["coordinates"][0][0]
    assert 10 < lon < 25 and 55 < lat < 70
    with pytest.raises(ValueError, match="CRS"):
        mapview.geojson_4326(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]))


def test_overlay_and_candidate_areas_are_drawn() -> None:
    arr = np.linspace(0, 1, 12).reshape(3, 4)
    arr[0, 0] = np.nan
    areas = gpd.GeoDataFrame(geometry=[shapely.box(710_000, 7_160_000, 720_000, 7_170_000)],
                             crs="EPSG:3006")
    page = _render(overlay=mapview.RasterOverlay("Lämplighet", arr,
                                                 (700_000, 7_150_000, 760_000, 7_200_000)),
                   candidate_areas=areas, lang="en")
    assert "L.imageOverlay(" in page and "data:image/png;base64" in page
    assert "Candidate areas" in page
    assert mapview.external_urls(page) == []


def test_score_colour_handles_nan_and_clips() -> None:
    assert mapview.score_colour(float("nan")) == mapview.FAIL_COLOUR
    assert mapview.score_colour(-1) == mapview.score_colour(0)
    assert mapview.score_colour(2) == mapview.score_colour(1)


def test_colour_value_overrides_score_and_legend_text_is_escaped() -> None:
    sites = _sites(2)
    sites["passes"] = True
    sites["score"] = [61.0, 80.0]
    sites["colour_value"] = [0.0, 1.0]
    page = _render(sites=sites, score_legend="Poäng 61 → 80 <i>")
    colours = {f["properties"]["site_id"]: f["properties"]["_style"]["fillColor"]
               for f in _site_features(page) if f["geometry"]["type"] == "Point"}
    assert colours == {"NV-00": "#440154", "NV-01": "#fde725"}
    assert "Poäng 61 → 80 &lt;i&gt;" in json.loads(re.search(
        r"div\.innerHTML = (\".*?\");", page).group(1))
    popups = [f["properties"]["_popup"] for f in _site_features(page)]
    assert any("80,0" in p for p in popups)  # the score itself, Swedish decimals


def _typed_layers() -> list[mapview.MapLayer]:
    pts = shapely.points([710_000, 720_000], [7_160_000, 7_170_000])
    line = [shapely.linestrings([[705_000, 7_155_000], [750_000, 7_190_000]])] * 2
    poly = [shapely.box(700_000, 7_150_000, 730_000, 7_200_000)]
    crs = "EPSG:3006"
    return [
        mapview.MapLayer("subs", f"Stationer {XSS}", "energy", gpd.GeoDataFrame(
            {"voltage_kv": [130.0, 400.0]}, geometry=pts, crs=crs), ("voltage_kv",),
            layer_type="substations"),
        mapview.MapLayer("grid", "Ledningar", "energy", gpd.GeoDataFrame(
            {"voltage_kv": [130.0, 400.0]}, geometry=line, crs=crs), layer_type="grid_lines"),
        mapview.MapLayer("pa", "Elområden", "energy", gpd.GeoDataFrame(
            {"price_area": ["SE2"]}, geometry=poly, crs=crs), layer_type="price_areas"),
        mapview.MapLayer("roads", "Vägar", "logistics", gpd.GeoDataFrame(
            {"road_class": [1, 4]}, geometry=line, crs=crs), layer_type="roads"),
        mapview.MapLayer("rail", "Järnväg", "logistics", gpd.GeoDataFrame(
            {"track": ["double", "single"]}, geometry=line, crs=crs), layer_type="railways"),
        mapview.MapLayer("ports", "Hamnar", "logistics", gpd.GeoDataFrame(
            {"name": ["A", "B"]}, geometry=pts, crs=crs), layer_type="ports"),
        mapview.MapLayer("term", "Terminaler", "logistics", gpd.GeoDataFrame(
            {"name": ["A", "B"]}, geometry=pts, crs=crs), layer_type="rail_terminals"),
        mapview.MapLayer("air", "Flygplatser", "logistics", gpd.GeoDataFrame(
            {"name": ["A", "B"]}, geometry=pts, crs=crs), layer_type="airports"),
    ]


def _legend_html(page: str) -> str:
    m = re.search(r"div\.innerHTML = (\".*?(?<!\\)\");", page)
    assert m is not None
    return str(json.loads(m.group(1)))


def test_each_layer_has_its_own_legend_symbol_and_colour() -> None:
    layers = _typed_layers()
    page = _render(layers=layers)
    legend = _legend_html(page)
    rows = legend.split("<br>")
    assert len(rows) == len(layers)
    symbols = [re.match(r"<i class='(sym-\w+)' style='([^']*)'>", r) for r in rows]
    assert all(symbols)
    # one distinct symbol (colours + dash + shape) per layer, colours differ too
    assert len({s.group(2) for s in symbols}) == len(layers)
    first_colours = [re.findall(r"#[0-9a-f]{6}", s.group(2))[0] for s in symbols]
    assert len(set(first_colours)) == len(layers)
    kinds = [s.group(1) for s in symbols]
    assert kinds == ["sym-pt", "sym-ln", "sym-pg", "sym-ln", "sym-ln", "sym-pt", "sym-pt",
                     "sym-pt"]
    assert "dashed" in rows[4]  # railways drawn dashed, legend too
    assert XSS not in page and html_escaped(XSS) in legend
    assert mapview.external_urls(page) == []


def html_escaped(text: str) -> str:
    import html
    return html.escape(text, quote=True)


def test_layer_styles_scale_with_voltage_and_road_class() -> None:
    layers = _typed_layers()
    page = _render(layers=[layers[0], layers[1], layers[3]])
    styles = [json.loads(m) for m in re.findall(r'"_style": ?(\{[^{}]*\})', page)]
    radii = [s["radius"] for s in styles if "radius" in s]
    assert len(radii) == 2 and radii[1] > radii[0]  # 400 kV drawn larger than 130 kV
    lines = [s for s in styles if s.get("opacity") == 0.9]  # line layers only
    weights = [s["weight"] for s in lines[:2]]
    assert weights[1] > weights[0]
    road_colours = [s["color"] for s in lines[2:]]
    assert road_colours[0] != road_colours[1]


def test_prepared_static_layers_draw_the_same_map() -> None:
    import pickle

    layers = _typed_layers()
    static = mapview.prepare_static(municipalities=_muni(), study_codes=["9901"],
                                    layers=layers)
    static = pickle.loads(pickle.dumps(static))  # apps cache it (st.cache_data pickles)
    sites = _sites()
    direct = _render(layers=layers, sites=sites)
    cached = mapview.map_html(mapview.build_map(
        municipalities=_muni().iloc[:0], study_codes=["9901"], sites=sites, static=static))
    norm = re.compile(r"_[0-9a-f]{32}")  # element ids are random

    assert norm.sub("_ID", cached) == norm.sub("_ID", direct)
    assert "Grannby" in cached and _legend_html(cached).count("<br>") == len(layers) + 1
    assert mapview.external_urls(cached) == []


def test_unknown_sites_are_drawn_unlike_pass_and_fail() -> None:
    from siting.views.mapstyle import UNKNOWN_COLOUR

    sites = _sites(4)
    sites["passes"] = [True, True, False, True]
    sites["status"] = ["pass", "unknown", "fail", "unknown"]
    page = _render(sites=sites, lang="en")
    styles = {f["properties"]["site_id"]: f["properties"]["_style"]
              for f in _site_features(page) if f["geometry"]["type"] == "Point"}
    assert styles["NV-01"]["color"] == UNKNOWN_COLOUR and styles["NV-01"]["dashArray"]
    assert styles["NV-00"]["color"] != UNKNOWN_COLOUR and "dashArray" not in styles["NV-00"]
    assert styles["NV-02"]["fillColor"] == mapview.FAIL_COLOUR
    assert styles["NV-01"]["fillColor"] != mapview.FAIL_COLOUR  # scored like a pass
    assert "Unknown criteria" in page


def test_surface_cells_resting_on_unknowns_get_their_own_layer() -> None:
    arr = np.linspace(0, 1, 12).reshape(3, 4)
    unknown = np.zeros((3, 4), dtype=bool)
    unknown[1, 1:3] = True
    bounds = (700_000, 7_150_000, 760_000, 7_200_000)
    areas = gpd.GeoDataFrame({"status": ["unknown"]},
                             geometry=[shapely.box(710_000, 7_160_000, 720_000, 7_170_000)],
                             crs="EPSG:3006")
    page = _render(overlay=mapview.RasterOverlay("Suitability", arr, bounds, unknown=unknown),
                   candidate_areas=areas, lang="en")
    assert page.count("L.imageOverlay(") == 2
    assert "Unknown criteria" in page
    plain = _render(overlay=mapview.RasterOverlay("Suitability", arr, bounds), lang="en")
    assert plain.count("L.imageOverlay(") == 1 and "Unknown criteria" not in plain
    from siting.views.mapstyle import UNKNOWN_COLOUR

    assert UNKNOWN_COLOUR in page  # the unknown candidate area's outline


def test_point_sites_get_a_status_marker_only_and_their_name_as_tooltip() -> None:
    """Generated brownfield sites are points: one styled circle marker each (no default pin
    from an outline layer), named in tooltip and popup; an unknown one is outlined orange."""
    sites = _sites(3)
    sites["name"] = ["Område 1", "Område 2", "Skellefteå – Kuggstången (befintlig industrimark)"]
    sites["status"] = ["pass", "fail", "unknown"]
    sites["passes"] = [True, False, True]
    sites.loc[2, "geometry"] = sites.geometry.iloc[2].centroid  # a point site
    feats = _site_features(_render(sites=sites))
    points = [f for f in feats if f["properties"]["site_id"] == "NV-02"]
    assert len(points) == 1  # the marker, not also an outline drawn as a pin
    assert len([f for f in feats if f["properties"]["site_id"] == "NV-00"]) == 2
    prop = points[0]["properties"]
    assert "Kuggstången" in prop["_tip"] and "Kuggstången" in prop["_popup"]
    assert prop["_style"]["dashArray"] and prop["_style"]["color"] == mapview.UNKNOWN_COLOUR
