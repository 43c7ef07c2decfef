"""The one translation mechanism: Babel number formats and the two catalogues agree."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest

from siting.core.i18n import (
    format_date,
    format_money,
    format_number,
    format_percent,
    strings,
    t,
)

NB = "\u00a0"
MINUS = "\u2212"


@pytest.mark.parametrize(("value", "sv", "en"), [
    (0.000123, "0,000123", "0.000123"),
    (0.0123456, "0,0123", "0.0123"),
    (-0.000123, f"{MINUS}0,000123", "-0.000123"),
    (-2.5, f"{MINUS}2,5", "-2.5"),
    (-1234567, f"{MINUS}1{NB}234{NB}567", "-1,234,567"),
    (1234567.891, f"1{NB}234{NB}568", "1,234,568"),
    (12, "12", "12"),
    (3.14159, "3,14", "3.14"),
    (0, "0", "0"),
])
def test_numbers_follow_cldr(value: float, sv: str, en: str) -> None:
    assert format_number(value, "sv") == sv
    assert format_number(value, "en") == en


@pytest.mark.parametrize(("value", "decimals", "sv"), [
    (0.125, 2, "0,13"),       # halves round away from zero, not to even
    (2.5, 0, "3"),
    (-2.5, 0, f"{MINUS}3"),
    (1234.45, 1, f"1{NB}234,5"),
    (-0.04, 1, "0,0"),        # a negative that rounds to zero shows no sign
    (7, 2, "7,00"),
])
def test_fixed_decimals_and_rounding(value: float, decimals: int, sv: str) -> None:
    assert format_number(value, "sv", decimals=decimals) == sv


def test_missing_and_infinite_values() -> None:
    assert format_number(None) == "–"
    assert format_number(float("nan"), "en") == "–"
    assert format_number(float("-inf"), "sv") == f"{MINUS}∞"
    assert format_percent(None) == "–"


def test_percent_money_and_dates() -> None:
    assert format_percent(0.123, "sv", 1) == f"12,3{NB}%"
    assert format_percent(0.123, "en", 1) == "12.3%"
    assert format_percent(-0.05, "sv") == f"{MINUS}5{NB}%"
    assert format_money(1234567.4, "sv") == f"1{NB}234{NB}567{NB}kr"
    assert format_money(1234567, "en") == f"SEK{NB}1,234,567"
    assert format_money(-5, "sv") == f"{MINUS}5{NB}kr"
    assert format_date(dt.date(2026, 12, 3), "sv") == "3 december 2026"
    assert format_date("2026-12-03", "en") == "December 3, 2026"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_catalogues_have_the_same_keys_and_placeholders() -> None:
    sv, en = strings("sv"), strings("en")
    assert set(sv) == set(en), (set(sv) ^ set(en))
    bad = {k for k in sv if _fields(sv[k]) != _fields(en[k])}
    assert bad == set()


def test_t_formats_and_falls_back_to_the_key() -> None:
    assert t("report.rank_of", "sv", rank=2, n=5) == "2 av 5 områden"
    assert t("report.rank_of", "en", rank=2, n=5) == "2 of 5 sites"
    assert t("no.such.key", "sv") == "no.such.key"


def test_catalogues_hold_no_internal_references() -> None:
    """Texts a user reads never cite internal documents or module names."""
    pattern = re.compile(r"DOMAIN\.md|Judgement:|siting\.[a-z_]+\.|\bTODO\b")
    for lang in ("sv", "en"):
        hits = {k: v for k, v in strings(lang).items() if pattern.search(v)}
        assert hits == {}, (lang, hits)
