"""The outcome log's database: URLs, engines and schema versions (Alembic migrations).

- :func:`make_engine`: SQLite (WAL, foreign keys, busy timeout, ``BEGIN IMMEDIATE``
  writers) or PostgreSQL;
- :func:`upgrade_schema`: creates a fresh schema, upgrades (or downgrades) an
  existing one; copies a SQLite log first; migrates a shared PostgreSQL log only
  when confirmed (after a backup); refuses a log written by a newer siting.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from siting.core.errors import StoreError

__all__ = ["ENV_DB_URL", "MIGRATIONS", "READ_ONLY", "VERSION_TABLE", "default_url", "describe_url",
           "make_engine", "normalise_url", "schema_is_current", "upgrade_schema"]

logger = logging.getLogger(__name__)

#: Environment variable overriding the default database URL.
ENV_DB_URL = "SITING_DB_URL"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "siting_outcomes_alembic_version"
#: Execution option marking a read-only transaction (SQLite: plain BEGIN).
READ_ONLY = "siting_read_only"
_SQLITE_BUSY_MS = 30_000


def default_url() -> str:
    """The database URL used when none is given.

    ``$SITING_DB_URL`` when set, else a SQLite file ``outcomes.sqlite`` in the
    user's data directory (``platformdirs.user_data_dir("siting")``).
    """
    env = os.environ.get(ENV_DB_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{Path(platformdirs.user_data_dir('siting')) / 'outcomes.sqlite'}"


def normalise_url(url: str) -> str:
    text = url.strip()
    if "://" not in text:  # a plain file path means SQLite
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def describe_url(url: str, lang: str = "sv") -> str:
    """Where the outcome log lives, for people: never a user name or password.

    >>> describe_url("postgresql+psycopg://anna:secret@db.example.se:5432/siting", "en")
    'shared database (PostgreSQL) on db.example.se, database siting'
    >>> describe_url("sqlite:////home/anna/.local/share/siting/outcomes.sqlite", "en")
    'local log on this computer (outcomes.sqlite)'
    """
    from siting.core.i18n import t

    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return t("outcome_db.unknown", lang)
    if parsed.get_backend_name() == "postgresql":
        return t("outcome_db.shared", lang, host=parsed.host or "localhost",
                 database=parsed.database or "")
    return t("outcome_db.local", lang, file=Path(parsed.database or "").name or ":memory:")


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError.single(url, f"not a database URL ({exc})",
                                hint="give e.g. sqlite:///path/outcomes.sqlite or "
                                     "postgresql+psycopg://user:pw@host/db") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": _SQLITE_BUSY_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # writers take the write lock up front (no deadlock-prone lock upgrades);
            # readers use a plain deferred BEGIN and never wait for writers under WAL
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise StoreError.single(url, f"unsupported database backend {backend!r}",
                            hint="use SQLite or PostgreSQL (postgresql+psycopg://...)")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config  # imported lazily: alembic takes a second to import

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _current_revision(conn: Any) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(
        conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def _check_known(current: str | None, where: str) -> None:
    """Refuse a log stamped by a newer siting version (a revision we do not ship)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS))
    known = {rev.revision for rev in scripts.walk_revisions()}
    if current is not None and current not in known:
        raise StoreError.single(
            where, f"the outcome log has schema version {current!r}, written by a newer "
                   f"siting than this one (which knows up to {scripts.get_current_head()!r})",
            hint="upgrade siting (pip install -U siting) on this machine; do not downgrade "
                 "the log from here")


def _sqlite_backup(engine: Engine, current: str) -> Path | None:
    """Copy the SQLite file before migrating it; returns the copy's path."""
    database = engine.url.database or ""
    if not database or database == ":memory:" or not Path(database).is_file():
        return None
    target = Path(f"{database}.before-upgrade-from-{current}.bak")
    with sqlite3.connect(database) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    logger.warning("outcome log backed up to %s before the schema upgrade", target)
    return target


def _raw_execute(conn: Connection, sql: str) -> None:
    """Run ``sql`` on the DBAPI connection under ``conn``, outside SQLAlchemy's transaction."""
    raw = conn.connection.dbapi_connection
    assert raw is not None  # an open Connection always holds its DBAPI connection
    raw.execute(sql)


def upgrade_schema(engine: Engine, revision: str = "head", *, confirmed: bool = False) -> None:
    """Apply the shipped Alembic migrations up to (or down to) ``revision``.

    A fresh database is created. An existing SQLite log is copied to
    ``<file>.before-upgrade-from-<rev>.bak`` first. An existing PostgreSQL log is
    shared, so it is only migrated with ``confirmed=True`` (``siting outcomes
    migrate``), after the user made a backup; otherwise StoreError says how.
    A log stamped by a newer siting raises StoreError.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    where = engine.url.render_as_string(hide_password=True)
    scripts = ScriptDirectory(str(MIGRATIONS))
    target = scripts.get_current_head() if revision == "head" else revision
    if target is None:  # only a broken install ships no migrations
        raise StoreError.single(str(MIGRATIONS), "no schema migrations are shipped",
                                hint="reinstall siting")
    with engine.connect() as conn:
        current = _current_revision(conn)
    _check_known(current, where)
    if current == target:
        return
    if current is not None and engine.dialect.name == "postgresql" and not confirmed:
        raise StoreError.single(
            where, f"the shared outcome log has schema {current!r}; this siting needs "
                   f"{target!r}",
            hint=f"back it up first (pg_dump -Fc -f outcomes-{current}.dump "
                 f"'{engine.url.render_as_string(hide_password=True)}'), then run "
                 "'siting outcomes migrate --db URL' as the database owner")
    if current is not None and engine.dialect.name == "sqlite":
        _sqlite_backup(engine, current)
    older = set() if current is None else {
        r.revision for r in scripts.iterate_revisions(current, "base")} - {current}
    downgrade = revision == "base" or target in older
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # batch migrations copy tables: foreign keys off so no ON DELETE CASCADE fires
            _raw_execute(conn, "PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # serialise concurrent first-time migrations
                    conn.exec_driver_sql(
                        "SELECT pg_advisory_xact_lock(hashtext('siting_outcomes'))")
                    if _current_revision(conn) == target:
                        return
                cfg = _alembic_config(conn)
                if downgrade:
                    command.downgrade(cfg, target)
                else:
                    command.upgrade(cfg, target)
        finally:
            if conn.dialect.name == "sqlite":
                _raw_execute(conn, "PRAGMA foreign_keys=ON")


def schema_is_current(engine: Engine) -> bool:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with engine.connect() as conn:
        current = _current_revision(conn)
    _check_known(current, engine.url.render_as_string(hide_password=True))
    return current == head
