"""The docstring examples of the layer spine run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["siting.core.crs", "siting.data.fields", "siting.data.region", "siting.data.io.tabular",
           "siting.data.catalog", "siting.data.layers"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
