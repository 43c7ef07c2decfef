"""The dossier's first page: the verdict, three reasons to choose the site, what to confirm.

Pure functions over the dossier's rows (nothing is recomputed): the strengths are
the soft criteria that contribute most to the score, and what must still be
confirmed are the hard criteria the data could not decide and the soft criteria
without data.
"""

from __future__ import annotations

from collections.abc import Sequence

from siting.core.i18n import format_number
from siting.views.report._texts import tr
from siting.views.report.dossier_model import HardRow, SoftRow

__all__ = ["reasons_to_choose", "to_confirm"]

_DECIDED = ("pass", "fail")


def reasons_to_choose(soft: Sequence[SoftRow], lang: str, n: int = 3) -> tuple[str, ...]:
    """Up to ``n`` sentences on the site's strongest soft criteria (largest contributions).

    >>> rows = [SoftRow("a", "Arbetskraft", "120 000", 0.9, 0.3, 27.0),
    ...         SoftRow("b", "Hamn", "4 km", 0.5, 0.2, 10.0),
    ...         SoftRow("c", "Skolor", "–", 0.0, 0.1, 0.0, no_data=True)]
    >>> reasons_to_choose(rows, "sv")
    ('Arbetskraft: 120 000 – ger 27 av 100 poäng', 'Hamn: 4 km – ger 10 av 100 poäng')
    """
    strong = sorted((s for s in soft if s.evaluated and not s.no_data and s.contribution > 0),
                    key=lambda s: -s.contribution)[:n]
    return tuple(tr("pitch_reason", lang, label=s.label, measured=s.measured,
                    points=format_number(s.contribution, lang, decimals=0)) for s in strong)


def to_confirm(hard: Sequence[HardRow], soft: Sequence[SoftRow], lang: str) -> tuple[str, ...]:
    """What the data could not decide and must be confirmed before a decision.

    >>> hard = [HardRow("g", "Nätkapacitet", "unknown", "okänt", "–", "≥ 200 MW",
    ...                 "Nätkapacitet: uppgift saknas, krav minst 200 MW")]
    >>> to_confirm(hard, [], "sv")
    ('Nätkapacitet: uppgift saknas, krav minst 200 MW',)
    """
    out = [h.sentence or tr("pitch_confirm_hard", lang, label=h.label)
           for h in hard if h.status not in _DECIDED]
    out += [tr("pitch_confirm_soft", lang, label=s.label) for s in soft
            if s.no_data or not s.evaluated]
    return tuple(out)
