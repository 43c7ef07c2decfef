"""An immutable, hashable and picklable mapping for frozen dataclasses.

``types.MappingProxyType`` is read-only but can be neither hashed nor pickled,
so dataclasses holding one cannot be cached by Streamlit (which pickles) or
used as dictionary keys. :class:`FrozenMap` can.

Examples
--------
>>> m = FrozenMap({"voltage_kv": FrozenMap({"min": 380})})
>>> m["voltage_kv"]["min"], m == {"voltage_kv": {"min": 380}}
(380, True)
>>> hash(m) == hash(FrozenMap({"voltage_kv": FrozenMap({"min": 380})}))
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["FrozenMap", "freeze"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """A read-only dict; hashable when its values are, picklable, insertion-ordered."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


def freeze(value: Any) -> Any:
    """Recursively turn mappings into :class:`FrozenMap` and lists into tuples."""
    if isinstance(value, Mapping):
        return FrozenMap({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value
