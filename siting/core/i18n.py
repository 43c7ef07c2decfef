"""The one translation mechanism: message keys in a catalogue per language, Babel for numbers.

Swedish is the default language. Every text a user can see is a key in
``siting/locales/<lang>.toml`` (flat ``key = "text"`` tables, dotted keys
allowed, ``{placeholders}`` for parameters). Domain objects carry keys and
values; :func:`t` renders them at the edge (app, CLI, reports). Numbers,
percentages, money and dates are formatted by Babel with the CLDR rules of the
language (Swedish: non-breaking space for thousands, decimal comma, the minus
sign U+2212).

Examples
--------
>>> format_number(1234567.891, "sv", decimals=1)
'1\\xa0234\\xa0567,9'
>>> format_number(1234567.891, "en", decimals=1)
'1,234,567.9'
>>> format_number(-2.5, "sv")
'\\u22122,5'
>>> format_number(0.000123, "sv")
'0,000123'
>>> format_number(float("nan"), "sv")
'–'
>>> t("common.yes", "en")
'yes'
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import tomllib
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from babel.dates import format_date as _babel_date
from babel.numbers import format_currency as _babel_currency
from babel.numbers import format_decimal as _babel_decimal
from babel.numbers import get_minus_sign_symbol

__all__ = ["LANGS", "Lang", "format_date", "format_money", "format_number", "format_numbers",
           "format_numbers_in", "format_percent", "has_key", "strings", "t"]

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
_LOCALE_DIR = Path(__file__).resolve().parent / "locales"
_NBSP = "\u00a0"
_MISSING = "–"
_SIGNIFICANT_SMALL = 3  # significant digits kept for |x| < 1 when decimals are not fixed


def _locale(lang: str) -> str:
    return "sv_SE" if lang == "sv" else "en_GB" if lang == "en-gb" else "en"


def _fix_minus(text: str, lang: str) -> str:
    """Babel writes '-' in its patterns; CLDR's minus sign for Swedish is U+2212."""
    minus = get_minus_sign_symbol(_locale(lang))
    return text.replace("-", minus, 1) if text.startswith("-") else text


def _auto_decimals(x: float) -> tuple[int, bool]:
    """(decimals, drop trailing zeros) when the caller did not fix the decimals."""
    ax = abs(x)
    if x.is_integer() or ax >= 1000:
        return 0, True
    if ax >= 1:
        return 2, True
    # keep _SIGNIFICANT_SMALL significant digits: 0.000123 stays 0,000123, not 0
    return max(2, -math.floor(math.log10(ax)) + _SIGNIFICANT_SMALL - 1), True


def format_number(value: float | int | None, lang: str = "sv", decimals: int | None = None) -> str:
    """Format a number for display (CLDR rules of ``lang``, halves rounded away from zero).

    Parameters
    ----------
    value : float, int or None
        The number; None and NaN render as an en dash.
    lang : {"sv", "en"}
        Swedish: non-breaking space for thousands, decimal comma, minus sign U+2212.
    decimals : int, optional
        Fixed decimals; by default integers and values of 1000 or more get none,
        values of 1 or more up to two decimals and smaller values three
        significant digits (trailing zeros dropped).
    """
    if value is None:
        return _MISSING
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return _MISSING
    if math.isinf(x):
        return "∞" if x > 0 else _fix_minus("-∞", lang)
    if decimals is None:
        decimals, drop = _auto_decimals(x)
    else:
        drop = False
    frac = ("#" if drop else "0") * decimals
    pattern = "#,##0" + (f".{frac}" if decimals else "")
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        text = _babel_decimal(decimal.Decimal(repr(x)), format=pattern, locale=_locale(lang))
    if text.lstrip("-") in {"0", "0,0", "0.0"} or set(text.lstrip("-")) <= set("0,.\u00a0"):
        text = text.lstrip("-")  # a negative that rounds to zero is zero
    return _fix_minus(text, lang)


#: Largest magnitude the batch path formats itself (beyond it: :func:`format_number`).
_BATCH_MAX = 1e15


@cache
def _separators(lang: str) -> dict[int, str]:
    """``str.translate`` table from Python's ``,`` / ``.`` / ``-`` to the CLDR symbols of ``lang``."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    loc = _locale(lang)
    return str.maketrans({",": get_group_symbol(loc), ".": get_decimal_symbol(loc),
                          "-": get_minus_sign_symbol(loc)})


def format_numbers(values: Any, lang: str = "sv") -> list[str]:
    """:func:`format_number` (automatic decimals) of many numbers, about 20x faster.

    The same rules, in the same place: the decimals of :func:`_auto_decimals`, halves
    rounded away from zero on the shortest decimal form (``repr``), the group, decimal
    and minus symbols of ``lang`` from CLDR (Babel); no per-value Babel call. NaN,
    infinities, non-numbers and magnitudes of 10^15 or more go through
    :func:`format_number` itself. A test checks both agree.

    Parameters
    ----------
    values : iterable of float
        The numbers (any iterable; numpy arrays are fine).
    lang : {"sv", "en"}

    Examples
    --------
    >>> format_numbers([1234567.891, -2.5, 0.000123, float("nan")], "sv")
    ['1\xa0234\xa0568', '\u22122,5', '0,000123', '–']
    """
    return format_numbers_in(values, (lang,))[lang]


def format_numbers_in(values: Any, langs: tuple[str, ...] = LANGS) -> dict[str, list[str]]:
    """:func:`format_numbers` in several languages at once (each number is rounded once).

    Examples
    --------
    >>> format_numbers_in([1234.5], ("sv", "en"))
    {'sv': ['1\xa0235'], 'en': ['1,235']}
    """
    tables = {lang: _separators(lang) for lang in langs}
    quantum = [decimal.Decimal(1).scaleb(-k) for k in range(0, 40)]
    out: dict[str, list[str]] = {lang: [] for lang in langs}
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        ctx.prec = 60
        for value in values:
            try:
                x = float(value)
            except (TypeError, ValueError):
                x = math.nan
            decimals = _auto_decimals(x)[0] if abs(x) < _BATCH_MAX else len(quantum)
            if decimals >= len(quantum):  # NaN, infinite, huge, tiny, text: the reference
                for lang in langs:
                    out[lang].append(format_number(value, lang))
                continue
            text = format(decimal.Decimal(repr(x)).quantize(quantum[decimals]), ",f")
            if decimals and "." in text:
                text = text.rstrip("0").rstrip(".")
            if text.startswith("-") and not text.strip("-0,."):
                text = text[1:]  # a negative that rounds to zero is zero
            for lang in langs:
                out[lang].append(text.translate(tables[lang]))
    return out


def format_percent(share: float | None, lang: str = "sv", decimals: int = 0) -> str:
    """Format a share 0..1 as a percentage (``'12 %'`` in Swedish, ``'12%'`` in English)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return _MISSING
    num = format_number(100.0 * float(share), lang, decimals=decimals)
    return f"{num}{_NBSP}%" if lang == "sv" else f"{num}%"


def format_money(amount: float | None, lang: str = "sv", currency: str = "SEK") -> str:
    """Format an amount of money without decimals (``'1 234 567 kr'`` / ``'SEK 1,234,567'``, no-break spaces)."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return _MISSING
    text = _babel_currency(round(float(amount)), currency, locale=_locale(lang),
                           format_type="standard", currency_digits=False,
                           format="#,##0\u00a0¤" if lang == "sv" else "¤\u00a0#,##0")
    return _fix_minus(text.replace("\u00a0SEK", "\u00a0kr") if lang == "sv" else text, lang)


def format_date(day: _dt.date | _dt.datetime | str | None, lang: str = "sv") -> str:
    """Format a date in words (``'3 december 2026'`` / ``'December 3, 2026'``)."""
    if day is None or day == "":
        return _MISSING
    if isinstance(day, str):
        try:
            parsed = _dt.date.fromisoformat(day[:10])
        except ValueError:
            return day
        return str(_babel_date(parsed, format="long", locale=_locale(lang)))
    return str(_babel_date(day, format="long", locale=_locale(lang)))


@cache
def strings(lang: str) -> MappingProxyType[str, str]:
    """All strings of a language, flattened to dotted keys (read once, immutable)."""
    path = _LOCALE_DIR / f"{lang}.toml"
    if not path.is_file():
        return MappingProxyType({})
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, val in node.items():
            full = f"{prefix}.{key}" if prefix else key
            if isinstance(val, dict):
                walk(full, val)
            else:
                flat[full] = str(val)

    walk("", tomllib.loads(path.read_text(encoding="utf-8")))
    return MappingProxyType(flat)


def has_key(key: str, lang: str = "sv") -> bool:
    """Whether ``key`` exists in the catalogue of ``lang``."""
    return key in strings(lang)


def t(key: str, lang: str = "sv", **kwargs: Any) -> str:
    """Translate ``key`` into ``lang``, formatting ``{placeholders}`` with kwargs.

    Falls back to English, then to the key itself, so a missing string is visible
    but never crashes the UI (a test checks that both catalogues have the same keys).
    """
    text = strings(lang).get(key) or strings("en").get(key) or key
    return text.format(**kwargs) if kwargs else text
