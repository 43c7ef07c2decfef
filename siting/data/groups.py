"""Groups of municipalities a planner compares: counties and local labour-market regions.

Counties follow the first two digits of the kommunkod (always the current
division); their names come from a catalogue layer of type ``counties`` when
there is one. Local labour-market regions (SCB LA) come from a layer of type
``labour_market_regions``, whose ``kommunkoder`` field lists the member
municipalities separated by ``;``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from siting.data.catalog import Catalog

__all__ = ["MunicipalityGroup", "group_municipalities", "municipality_groups"]

_LOG = logging.getLogger(__name__)

GroupKind = Literal["county", "labour_market"]


@dataclass(frozen=True)
class MunicipalityGroup:
    """A named set of municipalities.

    Parameters
    ----------
    kind : {"county", "labour_market"}
    code : str
        ``"25"`` for a county, ``"LA2265"`` for a labour-market region.
    name : str
        The name, e.g. ``"Norrbottens län"``; empty when the data hold none.
    kommunkoder : tuple of str
        Members (4-digit codes) present in the dataset, sorted.
    """

    kind: GroupKind
    code: str
    name: str
    kommunkoder: tuple[str, ...]


def group_municipalities(kind: GroupKind, codes: Iterable[str],
                         names: pd.DataFrame | None) -> tuple[MunicipalityGroup, ...]:
    """Build groups from the dataset's kommunkoder.

    Parameters
    ----------
    kind : {"county", "labour_market"}
    codes : iterable of str
        The dataset's kommunkoder.
    names : DataFrame, optional
        For counties: ``lanskod`` and ``name``; for regions: ``la_code``, ``name``
        and ``kommunkoder``.

    Examples
    --------
    >>> g = group_municipalities("county", ["2580", "2582", "0180"],
    ...                          pd.DataFrame({"lanskod": ["25"], "name": ["Norrbottens län"]}))
    >>> [(x.code, x.name, x.kommunkoder) for x in g]
    [('01', '', ('0180',)), ('25', 'Norrbottens län', ('2580', '2582'))]
    """
    known = sorted({str(c).zfill(4) for c in codes})
    if kind == "county":
        label = {} if names is None else dict(zip(names["lanskod"].astype(str).str.zfill(2),
                                                    names["name"].astype(str), strict=True))
        counties = sorted({c[:2] for c in known})
        return tuple(MunicipalityGroup("county", k, label.get(k, ""),
                                       tuple(c for c in known if c[:2] == k)) for k in counties)
    if names is None:
        return ()
    present = set(known)
    out = []
    for code, name, listed in zip(names["la_code"].astype(str), names["name"].astype(str),
                                  names["kommunkoder"].astype(str), strict=True):
        member = tuple(sorted({m.strip().zfill(4) for m in listed.split(";") if m.strip()}
                              & present))
        if member:
            out.append(MunicipalityGroup("labour_market", code, name, member))
    return tuple(sorted(out, key=lambda g: g.name))


def municipality_groups(catalog: Catalog, data_dir: str | Path | None,
                        codes: Iterable[str]) -> dict[GroupKind, tuple[MunicipalityGroup, ...]]:
    """Counties and labour-market regions of a dataset (regions only when the catalogue has them).

    Parameters
    ----------
    catalog : Catalog
        The loaded catalogue.
    data_dir : str or Path, optional
        The data folder (None: the catalogue's own).
    codes : iterable of str
        The dataset's kommunkoder.
    """
    from siting.data.layers import missing_inputs, read_layer

    codes = list(codes)
    dirs = catalog.search_dirs(None if data_dir is None else Path(data_dir))

    def table(layer_type: str) -> pd.DataFrame | None:
        specs = catalog.of_type(layer_type)
        if not specs or (specs[0].user_data and missing_inputs(specs[0], dirs)):
            return None  # a user-data layer absent from the data folders names nothing
        data = read_layer(specs[0], dirs).data
        if not isinstance(data, pd.DataFrame):  # a raster cannot name municipalities
            return None
        return pd.DataFrame(data.drop(columns="geometry", errors="ignore"))

    return {"county": group_municipalities("county", codes, table("counties")),
            "labour_market": group_municipalities("labour_market", codes,
                                                  table("labour_market_regions"))}
