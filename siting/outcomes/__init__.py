"""The establishment outcome log: cases, audit trail, import/export, seed cases.

Past establishment processes (which municipality won or lost a battery plant,
a steelworks or a data centre, and why) are kept in a database with a full
revision history, so that :mod:`siting.learn` can learn which criteria
separated wins from losses.

Examples
--------
>>> import tempfile, pathlib
>>> from siting.outcomes import OutcomeStore, cases_to_frame, seed_store
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"   # default: the user data dir
>>> store = OutcomeStore.open(str(path))
>>> report = seed_store(store, which="demo")
>>> frame = cases_to_frame(store.list())
>>> sorted(frame["outcome"].unique())
['lost', 'ongoing', 'withdrawn', 'won']
>>> bool(frame["is_fictional"].all())
True
"""

from __future__ import annotations

from siting.outcomes.case import (
    CONFIDENTIALITY,
    INDUSTRIES,
    OUTCOMES,
    Case,
    CaseMeta,
    case_from_dict,
    case_to_dict,
    parse_case,
    validate_case,
)
from siting.outcomes.frame import cases_to_frame
from siting.outcomes.importexport import export_cases, import_file, read_cases
from siting.outcomes.revisions import Revision, changed_fields
from siting.outcomes.seed import demo_cases, real_cases, seed_store
from siting.outcomes.store import OutcomeStore, UpsertReport, default_url

__all__ = [
    "CONFIDENTIALITY",
    "INDUSTRIES",
    "OUTCOMES",
    "Case",
    "CaseMeta",
    "OutcomeStore",
    "Revision",
    "UpsertReport",
    "case_from_dict",
    "case_to_dict",
    "cases_to_frame",
    "changed_fields",
    "default_url",
    "demo_cases",
    "export_cases",
    "import_file",
    "parse_case",
    "read_cases",
    "real_cases",
    "seed_store",
    "validate_case",
]
