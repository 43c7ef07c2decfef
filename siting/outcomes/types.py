"""Column types that behave the same on SQLite and PostgreSQL/PostGIS.

- :class:`GeometryWkt`: WKT text in EPSG:3006 on the Python side; a PostGIS
  ``geometry(Geometry, 3006)`` column on PostgreSQL, plain text on SQLite.
- :class:`UtcDateTime`: timezone-aware UTC datetimes on both backends (SQLite
  stores naive UTC text).
- :data:`JsonType`: JSON on SQLite, JSONB on PostgreSQL.

These types are imported by the Alembic migrations, so keep them backward
compatible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, Text, TypeDecorator, TypeEngine, UserDefinedType

__all__ = ["SRID", "GeometryWkt", "JsonType", "UtcDateTime"]

#: The analysis CRS of the package.
SRID = 3006

JsonType = JSON().with_variant(JSONB(), "postgresql")


class _PostgisGeometry(UserDefinedType[str]):
    """The PostGIS column type ``geometry(Geometry, 3006)``."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:  # noqa: ARG002 - SQLAlchemy signature
        return f"geometry(Geometry,{SRID})"


class GeometryWkt(TypeDecorator[str]):
    """Site geometry as WKT (EPSG:3006), stored natively by PostGIS.

    On PostgreSQL the value is sent as EWKT (``SRID=3006;POINT (...)``) and read
    back as hex EWKB, then re-written as WKT at millimetre precision, so the
    Python side sees the same string on every backend.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostgisGeometry())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return f"SRID={SRID};{value}"
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        geom = shapely.from_wkb(value) if dialect.name == "postgresql" else shapely.from_wkt(value)
        return shapely.to_wkt(geom, rounding_precision=3, trim=True)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(datetime.UTC)")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
