"""Read the outcome-log cases a dossier may use (confidential ones only on request)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["load_cases"]


def load_cases(db: str | None = None, *, industry: str | None = None,
               include_confidential: bool = False) -> tuple[pd.DataFrame | None, int]:
    """The outcome-log case frame for a dossier, and the number of cases withheld.

    Parameters
    ----------
    db : str, optional
        SQLAlchemy URL or SQLite file. None uses ``$SITING_DB_URL``, else the user's
        default SQLite store only when its file exists (a report never creates a
        database); without either the frame is None.
    industry : str, optional
        Only cases of this industry.
    include_confidential : bool
        Read cases marked ``confidential`` too. Otherwise they are not even read; only
        their number is returned (second item), so the report can say they were left out.

    Raises
    ------
    StoreError
        The database cannot be opened.
    """
    from siting.learn.adapters import cases_frame_from_store
    from siting.outcomes import OutcomeStore, default_url

    url = db
    if url is None:
        if os.environ.get("SITING_DB_URL", "").strip():
            url = default_url()
        else:
            default = default_url()
            path = Path(default.removeprefix("sqlite:///"))
            if not (default.startswith("sqlite:///") and path.is_file()):
                return None, 0
            url = default
    store = OutcomeStore.open(url)
    try:
        frame = cases_frame_from_store(store, industry=industry,
                                       include_confidential=include_confidential)
        withheld = 0 if include_confidential else len(
            store.list(industry=industry, confidentiality=["confidential"]))
        return frame, withheld
    finally:
        store.close()
