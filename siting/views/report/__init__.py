"""Reports: the site dossier and the municipality comparison, as PDF and self-contained HTML.

* :func:`build_dossier` (pure data assembly) -> :class:`Dossier`;
  :func:`write_dossier` / :func:`dossier_pdf` / :func:`dossier_html` render it.
* :func:`build_comparison` -> :class:`Comparison`; :func:`write_comparison` renders it.

Everything works offline: maps are drawn with matplotlib (no basemap tiles), fonts are
embedded, images are inlined as base64.
"""

from siting.views.report._texts import tr
from siting.views.report.compare_report import (
    Comparison,
    build_comparison,
    render_comparison,
    write_comparison,
)
from siting.views.report.dossier import Dossier, build_dossier, filter_cases
from siting.views.report.render import render_dossier, write_dossier

__all__ = [
    "Comparison",
    "Dossier",
    "build_comparison",
    "build_dossier",
    "filter_cases",
    "render_comparison",
    "render_dossier",
    "tr",
    "write_comparison",
    "write_dossier",
]
