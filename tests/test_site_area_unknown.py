"""A point site's area is unknown, not 0: the area criterion says what would decide it.

Decided in the one evaluator path (the ``site_area`` metric and its evidence), so the
ranking, the map, the details and the dossier all say the same.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from siting.core.i18n import t
from siting.criteria.profiles import load_profile
from siting.metrics.geometry import site_area
from siting.scoring.sites import evaluate


@pytest.fixture(scope="module")
def demo_layerset():
    from siting.data.layers import load_layerset

    return load_layerset("demo")


@pytest.fixture(scope="module")
def points_and_polygon(demo_layerset):
    base = demo_layerset.vector("sites")
    polygon = base.geometry.iloc[0]
    point = polygon.representative_point()
    return gpd.GeoDataFrame(
        {"site_id": ["P-none", "P-zero", "P-given", "POLY"],
         "name": ["ritad punkt", "ritad punkt 0 ha", "punkt med angiven area", "yta"],
         "area_ha": [None, 0.0, 120.0, None]},
        geometry=[point, point, point, polygon], crs=base.crs)


def test_site_area_of_a_point_is_unknown_unless_given(points_and_polygon) -> None:
    area = site_area(points_and_polygon).to_numpy()
    assert np.isnan(area[0]) and np.isnan(area[1])  # 0 ha on a point is "not known"
    assert area[2] == 120.0 and area[3] > 0  # a given area and a drawn outline count


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_area_criterion_on_a_point_is_unknown_with_what_would_decide_it(
        points_and_polygon, demo_layerset, lang: str) -> None:
    profile = load_profile("battery_plant")
    area_crit = next(c for c in profile.hard if profile.metric(c.metric).kind == "site_area")
    result = evaluate(points_and_polygon, profile, demo_layerset)
    codes = result.hard_status[area_crit.id]
    table = result.table.set_index("site_id")
    for sid in ("P-none", "P-zero"):
        idx = result.site_index(sid)
        assert codes.loc[idx] == -1, sid  # unknown, never a fail
        text = table.loc[sid, f"not_checked_{lang}"]
        assert t("site.area_decide", lang) in text and t("site.area_unknown", lang) in text
        assert t("site.area_decide", lang) not in table.loc[sid, f"failures_{lang}"]
    assert t("site.area_decide", "sv") == "rita platsens yta eller ange area"
    # a known area is judged as before: 120 ha passes a minimum of 50 ha
    assert codes.loc[result.site_index("P-given")] == 1
    assert codes.loc[result.site_index("POLY")] in (0, 1)
