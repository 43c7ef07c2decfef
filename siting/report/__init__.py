"""Reports: the site dossier and the municipality comparison, as PDF and self-contained HTML.

* :func:`build_dossier` (pure data assembly) -> :class:`Dossier`;
  :func:`write_dossier` / :func:`dossier_pdf` / :func:`dossier_html` render it.
* :func:`build_comparison` -> :class:`Comparison`; :func:`write_comparison` renders it.

Everything works offline: maps are drawn with matplotlib (no basemap tiles), fonts are
embedded, images are inlined as base64.
"""

from siting.report.dossier import Dossier, build_dossier, filter_cases

__all__ = ["Dossier", "build_dossier", "filter_cases"]
