"""Render reports to PDF or self-contained HTML bytes, and write them to files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siting.core.errors import ReportError
from siting.views.report.dossier import Dossier

__all__ = ["FORMATS", "DossierImages", "dossier_images", "output_format", "render_dossier",
           "write_dossier"]

#: Output formats by file suffix.
FORMATS: dict[str, str] = {".pdf": "pdf", ".html": "html", ".htm": "html"}


@dataclass(frozen=True)
class DossierImages:
    """The dossier's pictures as PNG bytes (shared by the PDF and the HTML)."""

    map_png: bytes | None
    contrib_png: bytes | None
    overview_png: bytes | None = None


def dossier_images(d: Dossier) -> DossierImages:
    """Draw the site map and the contribution chart of a dossier."""
    from siting.views.report.charts import contribution_chart_png
    from siting.views.report.maps import overview_map_png, site_map_png

    map_png = site_map_png(d.map, d.lang) if d.map is not None else None
    overview = overview_map_png(d.map, d.lang) if d.map is not None else None
    soft = [s for s in d.soft if s.evaluated]
    contrib = contribution_chart_png([s.label for s in soft], [s.contribution for s in soft],
                                     [s.weight for s in soft], d.lang) if soft else None
    return DossierImages(map_png, contrib, overview)


def output_format(path: str | Path) -> str:
    """``"pdf"`` or ``"html"`` from a file name.

    Raises
    ------
    ReportError
        Any other suffix.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ReportError.single(str(path), f"unknown report format '{suffix or '(none)'}'",
                                  field="--out", hint="use a file name ending in .pdf or .html")
    return FORMATS[suffix]


def render_dossier(d: Dossier, fmt: str = "pdf", images: Any = None) -> bytes:
    """The dossier as PDF bytes or as UTF-8 HTML bytes (``fmt`` = "pdf" or "html")."""
    if fmt not in ("pdf", "html"):
        raise ReportError.single("format", f"unknown report format {fmt!r}",
                                  hint="use 'pdf' or 'html'")
    images = images if images is not None else dossier_images(d)
    if fmt == "pdf":
        from siting.views.report.pdf import dossier_pdf

        return dossier_pdf(d, images)
    from siting.views.report.html import dossier_html

    return dossier_html(d, images).encode("utf-8")


def write_dossier(d: Dossier, path: str | Path) -> Path:
    """Write a dossier to ``path`` (.pdf or .html); returns the path."""
    p = Path(path)
    fmt = output_format(p)
    if not p.parent.exists():
        raise ReportError.single(str(p), "the output folder does not exist",
                                  hint="create the folder or choose another path")
    p.write_bytes(render_dossier(d, fmt))
    return p
