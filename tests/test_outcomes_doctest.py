"""The docstring examples of the outcome log's people, access and audit-trail modules hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["siting.outcomes.access", "siting.outcomes.audit", "siting.outcomes.trail",
           "siting.outcomes.people", "siting.outcomes.store", "siting.outcomes.database",
           "siting.outcomes.field_checks"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
