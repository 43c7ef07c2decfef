"""Self-contained HTML reports (Jinja2 with autoescaping; images inlined as base64 PNG).

The pages load nothing from the network: no scripts, no web fonts, no external style
sheets or images, so they open offline and can be mailed as one file.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from siting.core.i18n import format_number, format_percent
from siting.views.report._texts import tr
from siting.views.report.dossier import Dossier

__all__ = ["dossier_html", "render_template"]


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("siting.views.report", "templates"),
                       autoescape=select_autoescape(["html"], default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def render_template(name: str, lang: str, **context: Any) -> str:
    """Render ``templates/<name>`` with the report helpers ``t``, ``num``, ``pct``, ``b64``."""
    def t(key: str, **kw: Any) -> str:
        return tr(key, lang, **kw)

    def num(value: Any, decimals: int | None = None) -> str:
        return format_number(value, lang, decimals=decimals)

    def pct(value: Any, decimals: int = 0) -> str:
        return format_percent(value, lang, decimals)

    return _env().get_template(name).render(lang=lang, t=t, num=num, pct=pct, b64=_b64,
                                            **context)


def dossier_html(d: Dossier, images: Any) -> str:
    """The dossier as one self-contained HTML page."""
    return render_template("dossier.html", d.lang, d=d, images=images)
