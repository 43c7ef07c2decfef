"""Read the outcome-log cases a dossier may use: only what may leave the organisation.

A dossier or report goes to investors, so it holds only ``public`` and
``network`` cases (of any organisation), plus the reader's own organisation's
``internal`` cases when the reader asks for them (the report then marks every
page). ``confidential`` cases are never read, and the report never says how
many cases were left out. The store reads only what the identity may see at all
(row-level security on PostgreSQL), and :func:`siting.outcomes.access.may_leave`
decides what of that may leave.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["load_cases"]


def load_cases(db: str | None = None, *, industry: str | None = None,
               include_internal: bool = False,
               act_as: str | None = None) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """The outcome-log case frame for a dossier, and the reader's own organisations.

    Parameters
    ----------
    db : str, optional
        SQLAlchemy URL or SQLite file. None uses ``$SITING_DB_URL``, else the user's
        default SQLite store only when its file exists (a report never creates a
        database); without either the frame is None.
    industry : str, optional
        Only cases of this industry.
    include_internal : bool
        Also read the reader's own organisations' ``internal`` cases.
    act_as : str, optional
        The logged-in person (the app), see :meth:`OutcomeStore.open`.

    Returns
    -------
    (DataFrame or None, tuple of str)
        The cases, and the ids of the reader's organisations (for the marking).

    Raises
    ------
    StoreError
        The database cannot be opened.
    """
    from siting.outcomes import OutcomeStore, cases_to_frame, default_url
    from siting.outcomes.access import LEVELS, may_leave

    url = db
    if url is None:
        if os.environ.get("SITING_DB_URL", "").strip():
            url = default_url()
        else:
            default = default_url()
            path = Path(default.removeprefix("sqlite:///"))
            if not (default.startswith("sqlite:///") and path.is_file()):
                return None, ()
            url = default
    store = OutcomeStore.open(url, act_as=act_as)
    try:
        me = store.whoami()
        own = tuple(sorted(me.roles)) if me.roles else (("local",) if me.full else ())
        levels = [lv for lv in LEVELS if lv != "confidential"]
        cases = [c for c in store.list(industry=industry, confidentiality=levels)
                 if may_leave(c.organisation, c.confidentiality, own, include_internal)]
        return cases_to_frame(cases), own
    finally:
        store.close()
