"""Alembic environment of the outcome log.

Run programmatically by :func:`siting.outcomes.store.upgrade_schema`, which
passes an open SQLAlchemy connection in ``config.attributes["connection"]``; no
``alembic.ini`` is needed. For command-line use (developers writing a new
revision) set ``sqlalchemy.url`` on the config instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from siting.outcomes import workspace_models  # noqa: F401 - registers the workspace tables
from siting.outcomes.models import Base

VERSION_TABLE = "siting_outcomes_alembic_version"

config = context.config


def _include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001, ARG001
    """Autogenerate looks at our tables only (not PostGIS's, not other apps')."""
    if type_ == "table":
        return name in Base.metadata.tables
    # the PostGIS-only GiST index is created by hand in 0001_initial
    return not (type_ == "index" and name == "ix_outcome_case_geometry")


def _run(connection) -> None:  # noqa: ANN001 - alembic passes a Connection
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection handed over by the store (or a URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
