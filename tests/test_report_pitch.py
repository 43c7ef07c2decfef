"""The dossier is a pitch: first page with verdict, reasons, what to confirm; no internals."""

from __future__ import annotations

import re

import pytest

from siting.criteria.profiles import load_profile
from siting.data.layers import load_layerset
from siting.scoring import evaluate
from siting.views.report import build_dossier, render_dossier

STUDY_AREA = ("9901", "9902", "9903", "9904")
_INTERNAL = re.compile(r"DOMAIN\.md|Judgement|siting (dossier|report)|/work/|/tmp/|criteria/|"
                       r"\.toml|battery_plant|steelworks|data_center")


@pytest.fixture(scope="module")
def layerset():
    return load_layerset("demo", region=list(STUDY_AREA))


@pytest.fixture(scope="module")
def result(layerset):
    return evaluate(None, load_profile("battery_plant"), layerset)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_top_site_pitch_names_its_strengths(result, layerset, lang: str) -> None:
    top = str(result.table.sort_values("rank")["site_id"].iloc[0])
    d = build_dossier(result, top, layerset, lang=lang,
                      n_draws=50, with_map=False)
    assert d.status == "pass"
    assert 1 <= len(d.reasons_to_choose) <= 3
    soft = sorted((s for s in d.soft if s.evaluated and s.contribution > 0),
                  key=lambda s: -s.contribution)
    assert d.reasons_to_choose[0].startswith(soft[0].label)  # the strongest comes first


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_html_dossier_has_no_internal_references(result, layerset, lang: str) -> None:
    failing = result.table[~result.table["passes_hard"].astype(bool)]
    site = str(failing["site_id"].iloc[0])
    d = build_dossier(result, site, layerset, lang=lang, n_draws=50,
                      with_map=False)
    assert d.status == "fail"
    html = render_dossier(d, "html").decode("utf-8")
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html,
                                             flags=re.S))
    assert not _INTERNAL.search(visible), _INTERNAL.search(visible)
    heading = "Tre skäl att välja platsen" if lang == "sv" else "Three reasons to choose"
    assert heading in visible
