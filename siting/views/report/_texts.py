"""Report texts: the ``report.*`` keys of the locale catalogues (:mod:`siting.core.i18n`)."""

from __future__ import annotations

from typing import Any

from siting.core.i18n import t

__all__ = ["tr"]


def tr(key: str, lang: str, **kwargs: Any) -> str:
    """The report text ``report.<key>`` in ``lang``, formatted with ``kwargs``.

    A shorthand for :func:`siting.core.i18n.t` within the ``report`` section; unknown
    keys return the key itself (visible, never a crash).
    """
    return t(f"report.{key}", lang, **kwargs)
