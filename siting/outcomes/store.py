"""The outcome store: cases in SQLite or PostgreSQL/PostGIS, with a full audit trail.

Nothing is ever lost: every create, update, delete, undelete, restore and
import writes a revision row (the full JSON state, who, when, what) in the same
transaction as the change; deletes are soft and reversible; updates use
optimistic concurrency (a stale ``expected_version`` raises
:class:`~siting.core.errors.StoreError`).

Backends differ only inside this module:

- **SQLite** (default: ``<user data dir>/siting/outcomes.sqlite``): WAL journal,
  ``foreign_keys=ON``, a busy timeout, and ``BEGIN IMMEDIATE`` transactions so
  concurrent writers queue instead of failing half-way;
- **PostgreSQL + PostGIS** (``postgresql+psycopg://...``): rows are locked with
  ``SELECT ... FOR UPDATE`` for the read-check-write of an update.

The schema is created and upgraded by the Alembic migrations shipped in
``siting/outcomes/migrations`` (no ``alembic.ini`` needed).

Examples
--------
>>> import tempfile, pathlib
>>> from dataclasses import replace
>>> from siting.outcomes.case import Case
>>> db = pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"
>>> with OutcomeStore.open(str(db)) as store:
...     saved = store.add(Case("T-1", "Test", "battery", "2482", "won"), user="anna")
...     changed = store.update(replace(saved, title="Test 2"), user="bo")
...     [r.action for r in store.history("T-1")]
['create', 'update']
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from siting.core.errors import StoreError
from siting.outcomes.case import Case
from siting.outcomes.models import CaseRow, RevisionRow
from siting.outcomes.revisions import (
    Revision,
    apply_case_to_row,
    case_from_row,
    case_from_snapshot,
    make_revision_row,
    revision_from_row,
)

__all__ = ["ENV_DB_URL", "OutcomeStore", "UpsertReport", "default_url", "upgrade_schema"]

#: Environment variable overriding the default database URL.
ENV_DB_URL = "SITING_DB_URL"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_VERSION_TABLE = "siting_outcomes_alembic_version"
_SQLITE_BUSY_MS = 30_000
_READ_ONLY = "siting_read_only"
_KEEP: Any = object()  # "leave deleted_at as it is"


@dataclass(frozen=True)
class UpsertReport:
    """What a bulk upsert (import, seeding) did.

    Parameters
    ----------
    created, updated, unchanged : tuple of str
        Case ids per result; unchanged cases got no new revision.
    skipped_deleted : tuple of str
        Ids of soft-deleted cases that were left alone (undelete them first).
    """

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped_deleted: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """One line for people."""
        text = (f"{len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged")
        if self.skipped_deleted:
            text += f", {len(self.skipped_deleted)} skipped (deleted: " \
                    f"{', '.join(self.skipped_deleted)})"
        return text


def default_url() -> str:
    """The database URL used when none is given.

    ``$SITING_DB_URL`` when set, else a SQLite file ``outcomes.sqlite`` in the
    user's data directory (``platformdirs.user_data_dir("siting")``).
    """
    env = os.environ.get(ENV_DB_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{Path(platformdirs.user_data_dir('siting')) / 'outcomes.sqlite'}"


def _normalise_url(url: str) -> str:
    text = url.strip()
    if "://" not in text:  # a plain file path means SQLite
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _default_user() -> str:
    env = os.environ.get("SITING_USER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry
        return "unknown"


def _who(user: str | None) -> str:
    """The recorded author: ``user`` or the default; at most 200 characters."""
    who = (user or "").strip() or _default_user()
    if len(who) > 200:
        raise StoreError.single("user", f"user name is {len(who)} characters long",
                                hint="use a name of at most 200 characters")
    return who


def _make_engine(url: str) -> Engine:
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
            read_only = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise StoreError.single(url, f"unsupported database backend {backend!r}",
                            hint="use SQLite or PostgreSQL (postgresql+psycopg://...)")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config  # imported lazily: alembic takes a second to import

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Apply the shipped Alembic migrations up to ``revision``."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # serialise concurrent first-time migrations (SQLite's BEGIN IMMEDIATE already does)
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('siting_outcomes'))")
        command.upgrade(_alembic_config(conn), revision)


def _schema_is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(_MIGRATIONS)).get_current_head()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": _VERSION_TABLE})
        return ctx.get_current_revision() == head


class OutcomeStore:
    """The outcome log on one database.

    Use :meth:`open` rather than the constructor. Every public method runs in
    its own transaction; a failure leaves the database unchanged.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # ------------------------------------------------------------------ setup
    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> OutcomeStore:
        """Open (and by default create or upgrade) an outcome log.

        Parameters
        ----------
        url : str, optional
            SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``) or
            a plain file path (SQLite). Default: :func:`default_url`.
        migrate : bool
            Apply the shipped migrations; with False an outdated schema is an error.
        """
        full = _normalise_url(url or default_url())
        engine = _make_engine(full)
        try:
            if migrate:
                upgrade_schema(engine)
            elif not _schema_is_current(engine):
                raise StoreError.single(
                    engine.url.render_as_string(hide_password=True),
                    "the outcome-log schema is missing or outdated",
                    hint="open the store with migrate=True (the CLI always does)")
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError.single(engine.url.render_as_string(hide_password=True),
                                    f"cannot open the outcome log: {exc.__class__.__name__}: "
                                    f"{str(exc).splitlines()[0]}",
                                    hint="check the URL, that the server runs and that the "
                                         "user may create tables") from exc
        return cls(engine)

    @property
    def url(self) -> str:
        """The database URL with the password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Release all connections."""
        self._engine.dispose()

    def __enter__(self) -> OutcomeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------- internals
    @contextmanager
    def _tx(self, *, write: bool = True) -> Iterator[Session]:
        session = self._sessions()
        try:
            with session.begin():
                if not write:
                    session.connection(execution_options={_READ_ONLY: True})
                yield session
        except IntegrityError as exc:
            detail = str(exc.orig)
            if "uq_outcome_case_case_id" in detail or "outcome_case.case_id" in detail:
                raise StoreError.single(self.url, "a case with this id already exists "
                                        "(someone else created it at the same time)",
                                        field="case_id",
                                        hint="choose another id, or reload and update it"
                                        ) from exc
            raise StoreError.single(self.url, "the change conflicts with stored data: "
                                    f"{detail.splitlines()[0]}",
                                    hint="reload the case and try again") from exc
        except OperationalError as exc:
            raise StoreError.single(self.url, "database error: "
                                    f"{str(exc.orig).splitlines()[0]}",
                                    hint="check that the database is reachable and not "
                                         "locked by another program") from exc
        finally:
            session.close()

    def _row(self, session: Session, case_id: str, *, lock: bool = False) -> CaseRow | None:
        stmt = select(CaseRow).where(CaseRow.case_id == case_id)
        if lock and self.dialect == "postgresql":
            stmt = stmt.with_for_update()
        return session.scalars(stmt).one_or_none()

    def _require_row(self, session: Session, case_id: str, *, lock: bool = True) -> CaseRow:
        row = self._row(session, case_id, lock=lock)
        if row is None:
            raise StoreError.single(self.url, f"no case with id {case_id!r}",
                                    field="case_id", hint="list the cases to see their ids")
        return row

    def _check_version(self, row: CaseRow, expected: int | None) -> None:
        if expected is None:
            raise StoreError.single(self.url, f"case {row.case_id!r}: no version given",
                                    field="version",
                                    hint="pass expected_version (the version you read)")
        if row.version != expected:
            raise StoreError.single(
                self.url,
                f"someone else changed case {row.case_id!r} (now version {row.version}, "
                f"by {row.updated_by} at {row.updated_at:%Y-%m-%d %H:%M} UTC) since you read "
                f"version {expected}",
                field="version", hint="reload the case, re-apply your change and save again")

    @staticmethod
    def _write(session: Session, row: CaseRow, case: Case, action: str, user: str,
               comment: str, when: dt.datetime) -> Case:
        session.flush()
        session.add(make_revision_row(row, case, action, user, when, comment))
        session.flush()
        return case_from_row(row)

    def _insert(self, session: Session, case: Case, user: str, comment: str,
                action: str = "create", *, checked: bool = False) -> Case:
        if not checked and self._row(session, case.case_id) is not None:
            raise StoreError.single(self.url, f"a case with id {case.case_id!r} already exists",
                                    field="case_id",
                                    hint="choose another id, or update / undelete the case")
        when = _now()
        row = CaseRow(version=1, created_by=user, created_at=when, updated_by=user,
                      updated_at=when, deleted_at=None)
        apply_case_to_row(case, row)
        session.add(row)
        return self._write(session, row, case, action, user, comment, when)

    def _modify(self, session: Session, row: CaseRow, case: Case, action: str, user: str,
                comment: str, *, deleted_at: Any = _KEEP) -> Case:
        when = _now()
        apply_case_to_row(case, row)
        if deleted_at is not _KEEP:
            row.deleted_at = deleted_at
        row.version += 1
        row.updated_by = user
        row.updated_at = when
        return self._write(session, row, case, action, user, comment, when)

    # ------------------------------------------------------------- reading
    def get(self, case_id: str, *, include_deleted: bool = False) -> Case:
        """The case with ``case_id`` (a deleted case only with ``include_deleted``)."""
        with self._tx(write=False) as session:
            row = self._require_row(session, case_id, lock=False)
            if row.deleted_at is not None and not include_deleted:
                raise StoreError.single(self.url, f"case {case_id!r} is deleted",
                                        field="case_id", hint="undelete it to see it again")
            return case_from_row(row)

    def exists(self, case_id: str) -> bool:
        """True when a case with this id exists (deleted or not)."""
        with self._tx(write=False) as session:
            return self._row(session, case_id) is not None

    def list(
        self,
        *,
        industry: str | None = None,
        outcome: str | None = None,
        kommunkod: str | None = None,
        include_deleted: bool = False,
        include_fictional: bool = True,
        confidentiality: Iterable[str] | None = None,
    ) -> list[Case]:
        """Cases matching every given filter, ordered by case id."""
        stmt = select(CaseRow).order_by(CaseRow.case_id)
        if industry:
            stmt = stmt.where(CaseRow.industry == industry)
        if outcome:
            stmt = stmt.where(CaseRow.outcome == outcome)
        if kommunkod:
            stmt = stmt.where(CaseRow.kommunkod == kommunkod)
        if not include_deleted:
            stmt = stmt.where(CaseRow.deleted_at.is_(None))
        if not include_fictional:
            stmt = stmt.where(CaseRow.is_fictional.is_(False))
        if confidentiality is not None:
            stmt = stmt.where(CaseRow.confidentiality.in_(list(confidentiality)))
        with self._tx(write=False) as session:
            return [case_from_row(r) for r in session.scalars(stmt)]

    def history(self, case_id: str) -> list[Revision]:
        """Every revision of a case, oldest first."""
        with self._tx(write=False) as session:
            row = self._require_row(session, case_id, lock=False)
            revs = session.scalars(select(RevisionRow).where(RevisionRow.case_pk == row.id)
                                   .order_by(RevisionRow.revision_no))
            return [revision_from_row(r) for r in revs]

    def revision_count(self) -> int:
        """The number of revision rows in the whole log."""
        with self._tx(write=False) as session:
            return int(session.scalar(select(func.count()).select_from(RevisionRow)) or 0)

    # ------------------------------------------------------------- writing
    def add(self, case: Case, *, user: str | None = None, comment: str = "") -> Case:
        """Store a new case; raises StoreError when the id exists."""
        with self._tx() as session:
            return self._insert(session, case, _who(user), comment)

    def update(self, case: Case, *, expected_version: int | None = None,
               user: str | None = None, comment: str = "") -> Case:
        """Replace a case's content.

        ``expected_version`` defaults to ``case.meta.version``; when the stored
        version differs someone else changed the case and StoreError is raised.
        An update that changes nothing writes no revision.
        """
        if expected_version is None and case.meta is not None:
            expected_version = case.meta.version
        with self._tx() as session:
            row = self._require_row(session, case.case_id)
            self._check_version(row, expected_version)
            if row.deleted_at is not None:
                raise StoreError.single(self.url, f"case {case.case_id!r} is deleted",
                                        field="case_id", hint="undelete it before editing")
            if case_from_row(row) == case:
                return case_from_row(row)
            return self._modify(session, row, case, "update", _who(user), comment)

    def delete(self, case_id: str, *, expected_version: int | None = None,
               user: str | None = None, comment: str = "") -> Case:
        """Soft-delete a case (reversible with :meth:`undelete`)."""
        with self._tx() as session:
            row = self._require_row(session, case_id)
            if expected_version is not None:
                self._check_version(row, expected_version)
            if row.deleted_at is not None:
                raise StoreError.single(self.url, f"case {case_id!r} is already deleted",
                                        field="case_id")
            return self._modify(session, row, case_from_row(row), "delete",
                                _who(user), comment, deleted_at=_now())

    def undelete(self, case_id: str, *, user: str | None = None, comment: str = "") -> Case:
        """Bring a soft-deleted case back."""
        with self._tx() as session:
            row = self._require_row(session, case_id)
            if row.deleted_at is None:
                raise StoreError.single(self.url, f"case {case_id!r} is not deleted",
                                        field="case_id")
            return self._modify(session, row, case_from_row(row), "undelete",
                                _who(user), comment, deleted_at=None)

    def restore(self, case_id: str, revision_no: int, *, expected_version: int | None = None,
                user: str | None = None, comment: str = "") -> Case:
        """Write the state of an old revision as a new revision.

        The content and the deleted/visible state of revision ``revision_no``
        come back; the history keeps everything in between.
        """
        with self._tx() as session:
            row = self._require_row(session, case_id)
            if expected_version is not None:
                self._check_version(row, expected_version)
            old = session.scalars(select(RevisionRow).where(
                RevisionRow.case_pk == row.id,
                RevisionRow.revision_no == revision_no)).one_or_none()
            if old is None:
                raise StoreError.single(self.url, f"case {case_id!r} has no revision "
                                        f"{revision_no} (latest is {row.version})",
                                        field="revision_no",
                                        hint="see the case's history for revision numbers")
            snapshot = dict(old.snapshot)
            deleted_at = row.deleted_at
            if snapshot.get("deleted_at") is None:
                deleted_at = None
            elif deleted_at is None:
                deleted_at = _now()
            text = comment or f"restored revision {revision_no}"
            return self._modify(session, row, case_from_snapshot(snapshot), "restore",
                                _who(user), text, deleted_at=deleted_at)

    def upsert_many(self, cases: Sequence[Case], *, user: str | None = None,
                    action: str = "import", comment: str = "") -> UpsertReport:
        """Create or update many cases in ONE transaction (all or nothing).

        New ids are created; existing ids are updated when their content
        differs (one revision each) and left alone when identical (no
        revision); soft-deleted cases are skipped and reported.
        """
        who = _who(user)
        ids = [c.case_id for c in cases]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise StoreError.single(self.url, f"duplicate case ids: {', '.join(duplicates)}",
                                    field="case_id", hint="each case id may appear once")
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        skipped: list[str] = []
        with self._tx() as session:
            # lock in a fixed order so two concurrent imports cannot deadlock
            stmt = select(CaseRow).where(CaseRow.case_id.in_(ids)).order_by(CaseRow.case_id)
            if self.dialect == "postgresql":
                stmt = stmt.with_for_update()
            existing = {row.case_id: row for row in session.scalars(stmt)} if ids else {}
            new_rows: list[tuple[CaseRow, Case]] = []
            when = _now()
            for case in cases:
                row = existing.get(case.case_id)
                if row is None:
                    row = CaseRow(version=1, created_by=who, created_at=when, updated_by=who,
                                  updated_at=when, deleted_at=None)
                    apply_case_to_row(case, row)
                    session.add(row)
                    new_rows.append((row, case))
                    created.append(case.case_id)
                elif row.deleted_at is not None:
                    skipped.append(case.case_id)
                elif case_from_row(row) == case:
                    unchanged.append(case.case_id)
                else:
                    self._modify(session, row, case, action, who, comment)
                    updated.append(case.case_id)
            session.flush()  # one batch of INSERTs for every new case and its children
            session.add_all([make_revision_row(row, case, action, who, when, comment)
                             for row, case in new_rows])
        return UpsertReport(tuple(created), tuple(updated), tuple(unchanged), tuple(skipped))
