"""Why a criterion is in a profile, in the reader's language, without internal references.

The shipped profiles' rationales are written for readers in both languages in
the locale catalogues (``rationale.<profile id>.<criterion id>``). A profile
that is not shipped (a user's own) keeps its own ``rationale`` text, cleaned of
internal references such as ``DOMAIN.md §1a`` and ``Judgement:``.

Examples
--------
>>> clean_rationale("Judgement: 5 km keeps a siding affordable [svk.se, DOMAIN.md §2].")
'5 km keeps a siding affordable [svk.se].'
"""

from __future__ import annotations

import re
from typing import Any

from siting.core.i18n import has_key, t

__all__ = ["clean_rationale", "criterion_rationale"]

_INTERNAL = (
    (re.compile(r"^\s*Judgement:\s*", re.IGNORECASE), ""),
    (re.compile(r"[,;]?\s*DOMAIN\.md(\s*§\s*[\w.]+)?(\s*,\s*§\s*[\w.]+)*(:\s*)?"), ""),
    (re.compile(r"\(\s*siting\.[\w.]+\s*\)"), ""),
    (re.compile(r"\[\s*\]|\(\s*\)"), ""),
    (re.compile(r"\s+([.,;])"), r"\1"),
    (re.compile(r"\s{2,}"), " "),
)


def clean_rationale(text: str) -> str:
    """``text`` without internal references (document sections, module names, 'Judgement:')."""
    out = text or ""
    for pattern, repl in _INTERNAL:
        out = pattern.sub(repl, out)
    return out.strip()


def criterion_rationale(profile_id: str, criterion: Any, lang: str = "sv") -> str:
    """The rationale of ``criterion`` (an object with ``id`` and ``rationale``) in ``lang``.

    Returns the catalogue text for shipped profiles, else the criterion's own
    text cleaned of internal references (empty when it has none).
    """
    key = f"rationale.{profile_id}.{criterion.id}"
    if has_key(key, lang):
        return t(key, lang)
    return clean_rationale(str(getattr(criterion, "rationale", "") or ""))
