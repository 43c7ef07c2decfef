"""Catalogue validation: every problem reported at once; shipped catalogues are valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.core.errors import CatalogError
from siting.data.catalog import available_catalogs, load_catalog

GOOD = """
[catalog]
id = "t"
data_dir = "data"

[[layer]]
id = "municipalities"
type = "municipalities"
kind = "polygon"
title_sv = "Kommuner"
title_en = "Municipalities"
source = "k.gpkg"
attribution = "test"
licence = "CC0-1.0"
vintage = "2026-01-01"
"""

BAD = GOOD + """
[[layer]]
id = "x"
type = "powerplants"
theme = "weather"
kind = "blob"
title_sv = "X"
title_en = "X"
source = "x.csv"
attribution = "a"
licence = "l"
vintage = "2026-13-45"
colour = "red"

[[layer]]
id = "municipalities"
type = "substations"
kind = "point"
title_en = "Dup"
source = "s.csv"
attribution = "a"
licence = "l"
vintage = "2026-01-01"
allow_missing = ["nope"]
[layer.fields]
voltage = "kv"
"""


def test_all_problems_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    err = info.value
    found = {(p.location, p.field) for p in err.problems}
    expected = {
        ("layer 'x'", "type"), ("layer 'x'", "theme"), ("layer 'x'", "kind"),
        ("layer 'x'", "vintage"), ("layer 'x'", "colour"),
        ("layer 'municipalities'", "title_sv"), ("layer 'municipalities'", "fields.voltage"),
        ("layer 'municipalities'", "allow_missing"), ("layer 'municipalities'", "coords"),
    }
    assert expected <= found, expected - found
    assert str(path) in str(err)
    assert "unknown layer type 'powerplants'" in str(err)


def test_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "dup.toml"
    path.write_text(GOOD + GOOD.split("[catalog]")[1].split('data_dir = "data"')[1],
                    encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate layer id"):
        load_catalog(path)


def test_good_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "good.toml"
    path.write_text(GOOD, encoding="utf-8")
    cat = load_catalog(path)
    assert [s.id for s in cat.layers] == ["municipalities"]
    assert cat.resolve_data_dir(None) == (tmp_path / "data").resolve()
    assert cat.layers[0].theme == "land"


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[layer]\nid = ", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(path)


def test_sweden_open_is_valid() -> None:
    assert "sweden_open" in available_catalogs()
    cat = load_catalog("sweden_open")
    assert cat.of_type("municipalities")[0].id == "municipalities"
    assert {s.id for s in cat.layers} >= {"substations", "grid_lines", "roads", "railways",
                                          "rail_terminals", "built_up_areas", "population",
                                          "labour_market_regions", "protected_areas"}
    for spec in cat.layers:
        assert spec.attribution and spec.licence and spec.vintage.year >= 2000
