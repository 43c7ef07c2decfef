"""Swedish and English strings and number formatting.

Swedish is the default language. Strings live in ``siting/locales/<lang>.toml``
as flat ``key = "text"`` tables (dotted keys allowed); :func:`t` looks a key up
and formats it. Numbers are formatted the Swedish way in Swedish (non-breaking
space as thousands separator, decimal comma) and the English way in English.

Examples
--------
>>> format_number(1234567.891, "sv", decimals=1)
'1\\xa0234\\xa0567,9'
>>> format_number(1234567.891, "en", decimals=1)
'1,234,567.9'
>>> format_number(float("nan"), "sv")
'–'
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

__all__ = ["LANGS", "Lang", "format_number", "format_percent", "strings", "t"]

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
_LOCALE_DIR = Path(__file__).resolve().parent / "locales"
_NBSP = "\u00a0"


def format_number(value: float | int | None, lang: str = "sv", decimals: int | None = None) -> str:
    """Format a number for display.

    Parameters
    ----------
    value : float, int or None
        The number; None and NaN render as an en dash.
    lang : {"sv", "en"}
        Swedish uses a non-breaking space for thousands and a decimal comma.
    decimals : int, optional
        Fixed decimals; by default integers get none and other values up to
        two significant decimals (trailing zeros dropped).
    """
    if value is None:
        return "–"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if decimals is None:
        decimals = 0 if float(x).is_integer() or abs(x) >= 1000 else 2
        text = f"{x:,.{decimals}f}"
        if decimals:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{x:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", _NBSP).replace(".", ",")
    return text


def format_percent(share: float | None, lang: str = "sv", decimals: int = 0) -> str:
    """Format a share 0..1 as a percentage (``'12 %'`` in Swedish, ``'12%'`` in English)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    num = format_number(100.0 * float(share), lang, decimals=decimals)
    return f"{num}{_NBSP}%" if lang == "sv" else f"{num}%"


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


def t(key: str, lang: str = "sv", **kwargs: Any) -> str:
    """Translate ``key`` into ``lang``, formatting ``{placeholders}`` with kwargs.

    Falls back to English, then to the key itself, so a missing string is visible
    but never crashes the UI.
    """
    text = strings(lang).get(key) or strings("en").get(key) or key
    return text.format(**kwargs) if kwargs else text
