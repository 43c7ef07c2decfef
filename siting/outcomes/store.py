"""The outcome store: cases in SQLite or PostgreSQL/PostGIS, with a full audit trail.

Nothing is ever lost: every create, update, delete, undelete, restore and
import writes a revision row (the full JSON state, who, when, what) in the same
transaction as the change; deletes are soft and reversible; updates use
optimistic concurrency (a stale ``expected_version`` raises
:class:`~siting.errors.StoreError`).

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
>>> from siting.outcomes.case import Case, case_to_dict, validate_case
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
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from siting.errors import StoreError
from siting.outcomes.access import LOCAL_ORG, Access, quote_ident
from siting.outcomes.case import Case, case_to_dict, validate_case
from siting.outcomes.models import (
    AccessGrantRow,
    CaseRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
    RevisionRow,
)
from siting.outcomes.revisions import (
    Revision,
    apply_case_to_row,
    case_from_row,
    case_from_snapshot,
    make_revision_row,
    revision_from_row,
)

__all__ = ["ENV_DB_URL", "OutcomeStore", "UpsertReport", "default_url", "upgrade_schema"]

logger = logging.getLogger(__name__)

#: Environment variable overriding the default database URL.
ENV_DB_URL = "SITING_DB_URL"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_VERSION_TABLE = "siting_outcomes_alembic_version"
_SQLITE_BUSY_MS = 30_000
_READ_ONLY = "siting_read_only"
_KEEP: Any = object()  # "leave deleted_at as it is"
_UPSERT_RETRIES = 5
_ID_CHUNK = 5_000  # ids per IN (...) lookup


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


def _who(user: str | None, access: Access | None = None) -> str:
    """The recorded author; at most 200 characters.

    On PostgreSQL (``access`` given) it is always the authenticated database
    role; a differing ``user`` is ignored with a warning. On SQLite it is
    ``user``, else the identity the store runs as.
    """
    if access is not None:
        if user and user.strip() != access.user:
            logger.warning("author %r ignored: changes are recorded as the database role %r",
                           user, access.user)
        return access.user
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


def _current_revision(conn: Any) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(
        conn, opts={"version_table": _VERSION_TABLE}).get_current_revision()


def _check_known(current: str | None, where: str) -> None:
    """Refuse a log stamped by a newer siting version (a revision we do not ship)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(_MIGRATIONS))
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
    import sqlite3

    with sqlite3.connect(database) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    logger.warning("outcome log backed up to %s before the schema upgrade", target)
    return target


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
    scripts = ScriptDirectory(str(_MIGRATIONS))
    target = scripts.get_current_head() if revision == "head" else revision
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
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
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
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _schema_is_current(engine: Engine) -> bool:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(_MIGRATIONS)).get_current_head()
    with engine.connect() as conn:
        current = _current_revision(conn)
    _check_known(current, engine.url.render_as_string(hide_password=True))
    return current == head


class OutcomeStore:
    """The outcome log on one database.

    Use :meth:`open` rather than the constructor. Every public method runs in
    its own transaction; a failure leaves the database unchanged.
    """

    def __init__(self, engine: Engine, *, act_as: str | None = None) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._act_as = (act_as or "").strip() or None

    # ------------------------------------------------------------------ setup
    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True,
             act_as: str | None = None, confirm_upgrade: bool = False) -> OutcomeStore:
        """Open (and by default create or upgrade) an outcome log.

        Parameters
        ----------
        url : str, optional
            SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``) or
            a plain file path (SQLite). Default: :func:`default_url`.
        migrate : bool
            Create a fresh schema, upgrade a SQLite log (after a backup copy); with
            False an outdated schema is an error. A shared PostgreSQL log is only
            upgraded with ``confirm_upgrade``.
        act_as : str, optional
            The authenticated person the store works for. On PostgreSQL every
            transaction runs ``SET LOCAL ROLE`` to this database role (the
            connecting role must be a member of ``siting_gateway``), so the
            row-level security policies apply to that person. Default: the
            connecting role (PostgreSQL), ``$SITING_USER`` or the login (SQLite).
        confirm_upgrade : bool
            Migrate an existing shared PostgreSQL log (make a backup first).
        """
        full = _normalise_url(url or default_url())
        engine = _make_engine(full)
        try:
            if migrate:
                upgrade_schema(engine, confirmed=confirm_upgrade)
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
        except StoreError:
            engine.dispose()
            raise
        return cls(engine, act_as=act_as)

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
                if self._act_as and self.dialect == "postgresql":
                    session.execute(text(f"SET LOCAL ROLE {quote_ident(self._act_as)}"))
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
        except (ProgrammingError, InternalError) as exc:
            # row-level security refusals, missing privileges, append-only triggers
            raise StoreError.single(self.url, "refused by the database: "
                                    f"{str(exc.orig).splitlines()[0]}",
                                    hint="ask an admin of the organisation for the role "
                                         "this needs") from exc
        except DataError as exc:
            raise StoreError.single(self.url, "the database cannot store a value: "
                                    f"{str(exc.orig).splitlines()[0]}",
                                    hint="check the field named above") from exc
        except OperationalError as exc:
            raise StoreError.single(self.url, "database error: "
                                    f"{str(exc.orig).splitlines()[0]}",
                                    hint="check that the database is reachable and not "
                                         "locked by another program") from exc
        finally:
            session.close()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[tuple[Session, Access]]:
        """A session and the identity's :class:`Access`, in one transaction.

        For the modules of this package (people, audit trail); errors become
        :class:`~siting.errors.StoreError`.
        """
        with self._tx(write=write) as session:
            yield session, self._access(session)

    def _access(self, session: Session) -> Access:
        """Who this store works for, and what they may do (read in ``session``)."""
        if self.dialect == "postgresql":
            user, full = session.execute(text(
                "SELECT current_user::text, r.rolsuper OR r.rolbypassrls "
                "OR pg_get_userbyid(c.relowner) = current_user "
                "FROM pg_roles r, pg_class c WHERE r.rolname = current_user "
                "AND c.oid = 'outcome_case'::regclass")).one()
        else:
            user = self._act_as or _default_user()
            full = session.scalar(select(func.count()).select_from(MembershipRow)) == 0
        roles = {m.organisation_id: m.role for m in session.scalars(
            select(MembershipRow).where(MembershipRow.person == user))}
        person = session.get(PersonRow, user)
        grants = frozenset((g.table_name, g.row_key) for g in session.scalars(
            select(AccessGrantRow).where(AccessGrantRow.person == user)))
        return Access(user=user, roles=roles, network_admin=bool(person and person.network_admin),
                      full=bool(full), grants=grants)

    def whoami(self) -> Access:
        """The identity this store works for and its roles."""
        with self._tx(write=False) as session:
            return self._access(session)

    def _readable(self, access: Access, row: CaseRow) -> bool:
        return access.can_read(row.organisation, row.confidentiality,
                               ("outcome_case", row.case_id))

    def _owned(self, session: Session, access: Access, case: Case,
               checked: set[str] | None = None) -> Case:
        """``case`` with its organisation resolved, after checking ``access`` may write it.

        ``checked``: organisations already checked in this transaction (bulk writes).
        """
        from dataclasses import replace

        problems = validate_case(case_to_dict(case), source=self.url,
                                 location=f"case {case.case_id}")
        if problems:  # every write is validated, whichever entry point made the Case
            raise StoreError.from_problems("Invalid establishment case", problems)
        org = case.organisation or access.default_org()
        if checked is not None and org in checked:
            return case if case.organisation == org else replace(case, organisation=org)
        if not org:
            raise StoreError.single(self.url, f"case {case.case_id!r}: no organisation given",
                                    field="organisation",
                                    hint="give the id of the organisation that owns the case "
                                         f"(yours: {', '.join(sorted(access.roles)) or 'none'})")
        if not access.can_write(org):
            role = access.role(org) or "no role"
            raise StoreError.single(self.url, f"{access.user} may not change cases of "
                                    f"organisation {org!r} ({role})", field="organisation",
                                    hint="ask an admin of that organisation for the editor role")
        if session.get(OrganisationRow, org) is None:
            if not access.full:
                raise StoreError.single(self.url, f"no organisation {org!r}",
                                        field="organisation",
                                        hint="see 'siting admin org list' for the ids")
            session.add(OrganisationRow(id=org, name=org if org != LOCAL_ORG else "Local"))
            session.flush()
        if checked is not None:
            checked.add(org)
        return case if case.organisation == org else replace(case, organisation=org)

    def _row(self, session: Session, case_id: str, *, lock: bool = False) -> CaseRow | None:
        stmt = select(CaseRow).where(CaseRow.case_id == case_id)
        if lock and self.dialect == "postgresql":
            stmt = stmt.with_for_update()
        return session.scalars(stmt).one_or_none()

    def _require_row(self, session: Session, access: Access, case_id: str, *,
                     lock: bool = True) -> CaseRow:
        row = self._row(session, case_id, lock=lock)
        # a case the identity may not see does not exist for it (no hint that it does)
        if row is None or not self._readable(access, row):
            raise StoreError.single(self.url, f"no case with id {case_id!r}",
                                    field="case_id", hint="list the cases to see their ids")
        return row

    def _writable_row(self, session: Session, access: Access, case_id: str) -> CaseRow:
        # read first (a viewer's SELECT ... FOR UPDATE would not even see the row), then lock
        row = self._require_row(session, access, case_id, lock=False)
        if not access.can_write(row.organisation):
            raise StoreError.single(self.url, f"{access.user} may not change cases of "
                                    f"organisation {row.organisation!r} "
                                    f"({access.role(row.organisation) or 'no role'})",
                                    field="case_id",
                                    hint="ask an admin of that organisation for the editor role")
        if self.dialect == "postgresql":
            session.refresh(row, with_for_update=True)
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
        prev = "" if row.version == 1 else session.scalar(
            select(RevisionRow.row_hash).where(RevisionRow.case_pk == row.id,
                                               RevisionRow.revision_no == row.version - 1))
        session.add(make_revision_row(row, case, action, user, when, comment, prev or ""))
        session.flush()
        return case_from_row(row)

    def _insert(self, session: Session, case: Case, user: str, comment: str,
                action: str = "create") -> Case:
        if self._row(session, case.case_id) is not None:
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

    def _author(self, user: str | None, access: Access) -> str:
        return _who(user, access if self.dialect == "postgresql" else None)

    # ------------------------------------------------------------- reading
    def get(self, case_id: str, *, include_deleted: bool = False) -> Case:
        """The case with ``case_id`` (a deleted case only with ``include_deleted``).

        A case the identity may not see raises the same "no case" error as a
        missing one.
        """
        with self._tx(write=False) as session:
            row = self._require_row(session, self._access(session), case_id, lock=False)
            if row.deleted_at is not None and not include_deleted:
                raise StoreError.single(self.url, f"case {case_id!r} is deleted",
                                        field="case_id", hint="undelete it to see it again")
            return case_from_row(row)

    def exists(self, case_id: str) -> bool:
        """True when a case with this id exists (deleted or not) and may be seen."""
        with self._tx(write=False) as session:
            row = self._row(session, case_id)
            return row is not None and self._readable(self._access(session), row)

    def list(
        self,
        *,
        industry: str | None = None,
        outcome: str | None = None,
        kommunkod: str | None = None,
        include_deleted: bool = False,
        include_fictional: bool = True,
        confidentiality: Iterable[str] | None = None,
        organisation: str | None = None,
    ) -> list[Case]:
        """The cases the identity may see that match every given filter, by case id."""
        stmt = select(CaseRow).order_by(CaseRow.case_id)
        if industry:
            stmt = stmt.where(CaseRow.industry == industry)
        if outcome:
            stmt = stmt.where(CaseRow.outcome == outcome)
        if kommunkod:
            stmt = stmt.where(CaseRow.kommunkod == kommunkod)
        if organisation:
            stmt = stmt.where(CaseRow.organisation == organisation)
        if not include_deleted:
            stmt = stmt.where(CaseRow.deleted_at.is_(None))
        if not include_fictional:
            stmt = stmt.where(CaseRow.is_fictional.is_(False))
        if confidentiality is not None:
            stmt = stmt.where(CaseRow.confidentiality.in_(list(confidentiality)))
        with self._tx(write=False) as session:
            access = self._access(session)
            return [case_from_row(r) for r in session.scalars(stmt) if self._readable(access, r)]

    def history(self, case_id: str) -> list[Revision]:
        """Every revision of a case, oldest first (redacted text shows as redacted)."""
        with self._tx(write=False) as session:
            row = self._require_row(session, self._access(session), case_id, lock=False)
            revs = session.scalars(select(RevisionRow).where(RevisionRow.case_pk == row.id)
                                   .order_by(RevisionRow.revision_no))
            return [revision_from_row(r) for r in revs]

    def revision_count(self) -> int:
        """The number of revision rows the identity may see."""
        with self._tx(write=False) as session:
            access = self._access(session)
            rows = session.execute(select(CaseRow.organisation, CaseRow.confidentiality,
                                          CaseRow.case_id, func.count(RevisionRow.id))
                                   .join(RevisionRow, RevisionRow.case_pk == CaseRow.id)
                                   .group_by(CaseRow.organisation, CaseRow.confidentiality,
                                             CaseRow.case_id))
            return sum(int(n) for org, level, cid, n in rows
                       if access.can_read(org, level, ("outcome_case", cid)))

    # ------------------------------------------------------------- writing
    def add(self, case: Case, *, user: str | None = None, comment: str = "") -> Case:
        """Store a new case; raises StoreError when the id exists.

        The case belongs to ``case.organisation`` (default: the writer's only
        organisation); the writer needs the editor or admin role there.
        """
        with self._tx() as session:
            access = self._access(session)
            case = self._owned(session, access, case)
            return self._insert(session, case, self._author(user, access), comment)

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
            access = self._access(session)
            row = self._writable_row(session, access, case.case_id)
            case = self._owned(session, access, case)
            self._check_version(row, expected_version)
            if row.deleted_at is not None:
                raise StoreError.single(self.url, f"case {case.case_id!r} is deleted",
                                        field="case_id", hint="undelete it before editing")
            if case_from_row(row) == case:
                return case_from_row(row)
            return self._modify(session, row, case, "update", self._author(user, access),
                                comment)

    def delete(self, case_id: str, *, expected_version: int | None = None,
               user: str | None = None, comment: str = "") -> Case:
        """Soft-delete a case (reversible with :meth:`undelete`)."""
        with self._tx() as session:
            access = self._access(session)
            row = self._writable_row(session, access, case_id)
            if expected_version is not None:
                self._check_version(row, expected_version)
            if row.deleted_at is not None:
                raise StoreError.single(self.url, f"case {case_id!r} is already deleted",
                                        field="case_id")
            return self._modify(session, row, case_from_row(row), "delete",
                                self._author(user, access), comment, deleted_at=_now())

    def undelete(self, case_id: str, *, user: str | None = None, comment: str = "") -> Case:
        """Bring a soft-deleted case back."""
        with self._tx() as session:
            access = self._access(session)
            row = self._writable_row(session, access, case_id)
            if row.deleted_at is None:
                raise StoreError.single(self.url, f"case {case_id!r} is not deleted",
                                        field="case_id")
            return self._modify(session, row, case_from_row(row), "undelete",
                                self._author(user, access), comment, deleted_at=None)

    def restore(self, case_id: str, revision_no: int, *, expected_version: int | None = None,
                user: str | None = None, comment: str = "") -> Case:
        """Write the state of an old revision as a new revision.

        The content and the deleted/visible state of revision ``revision_no``
        come back; the history keeps everything in between. Redacted text comes
        back empty.
        """
        with self._tx() as session:
            access = self._access(session)
            row = self._writable_row(session, access, case_id)
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
            text_ = comment or f"restored revision {revision_no}"
            restored = self._owned(session, access, case_from_snapshot(snapshot))
            return self._modify(session, row, restored, "restore", self._author(user, access),
                                text_, deleted_at=deleted_at)

    def upsert_many(self, cases: Sequence[Case], *, user: str | None = None,
                    action: str = "import", comment: str = "") -> UpsertReport:
        """Create or update many cases in ONE transaction (all or nothing).

        New ids are created; existing ids are updated when their content
        differs (one revision each) and left alone when identical (no
        revision); soft-deleted cases are skipped and reported. Two concurrent
        imports of the same new ids both succeed (the loser retries and finds
        the cases the winner created).
        """
        counts = Counter(c.case_id for c in cases)
        duplicates = sorted(i for i, n in counts.items() if n > 1)
        if duplicates:
            raise StoreError.single(self.url, f"duplicate case ids: {', '.join(duplicates[:20])}"
                                    + (" …" if len(duplicates) > 20 else ""),
                                    field="case_id", hint="each case id may appear once")
        return self.upsert_batches(lambda: [cases], user=user, action=action, comment=comment)

    def upsert_batches(self, batches: Callable[[], Iterable[Sequence[Case]]], *,
                       user: str | None = None, action: str = "import", comment: str = "",
                       progress: Callable[[int], None] | None = None) -> UpsertReport:
        """Like :meth:`upsert_many` for cases streamed in batches (bounded memory).

        ``batches`` is called (again on a retry) to produce the batches; their
        case ids must be unique across all batches (the caller checked).
        ``progress(n)`` is called with the number of cases done after each batch.
        Everything is written in one transaction.
        """
        for attempt in range(_UPSERT_RETRIES):
            try:
                return self._upsert_once(batches(), user, action, comment, progress)
            except StoreError as exc:
                if not isinstance(exc.__cause__, IntegrityError) or \
                        attempt == _UPSERT_RETRIES - 1:
                    raise
                logger.info("import met a concurrent import of the same ids; retrying")
        raise AssertionError("unreachable")  # pragma: no cover

    def _upsert_once(self, batches: Iterable[Sequence[Case]], user: str | None, action: str,
                     comment: str, progress: Callable[[int], None] | None) -> UpsertReport:
        done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [],
                                      "skipped": []}
        n_done = 0
        with self._tx() as session:
            access = self._access(session)
            who = self._author(user, access)
            when = _now()
            for batch in batches:
                self._upsert_batch(session, access, who, batch, action, comment, when, done)
                session.flush()
                session.expunge_all()  # bounded memory: nothing of this batch stays
                n_done += len(batch)
                if progress is not None:
                    progress(n_done)
        return UpsertReport(tuple(done["created"]), tuple(done["updated"]),
                            tuple(done["unchanged"]), tuple(done["skipped"]))

    def _upsert_batch(self, session: Session, access: Access, who: str, cases: Sequence[Case],
                      action: str, comment: str, when: dt.datetime,
                      done: dict[str, list[str]]) -> None:
        ids = [c.case_id for c in cases]
        # lock in a fixed order so two concurrent imports cannot deadlock
        existing: dict[str, CaseRow] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            stmt = select(CaseRow).where(CaseRow.case_id.in_(ids[start:start + _ID_CHUNK]))
            if self.dialect == "postgresql":
                stmt = stmt.order_by(CaseRow.case_id).with_for_update()
            existing.update((row.case_id, row) for row in session.scalars(stmt))
        new_rows: list[tuple[CaseRow, Case]] = []
        checked: set[str] = set()
        for case in cases:
            case = self._owned(session, access, case, checked)
            row = existing.get(case.case_id)
            if row is None:
                row = CaseRow(version=1, created_by=who, created_at=when, updated_by=who,
                              updated_at=when, deleted_at=None)
                apply_case_to_row(case, row)
                session.add(row)
                new_rows.append((row, case))
                done["created"].append(case.case_id)
            elif not access.can_write(row.organisation) or not self._readable(access, row):
                raise StoreError.single(self.url, f"case {case.case_id!r} belongs to "
                                        f"organisation {row.organisation!r}, which "
                                        f"{access.user} may not change", field="case_id",
                                        hint="remove the row or use another id")
            elif row.deleted_at is not None:
                done["skipped"].append(case.case_id)
            elif case_from_row(row) == case:
                done["unchanged"].append(case.case_id)
            else:
                self._modify(session, row, case, action, who, comment)
                done["updated"].append(case.case_id)
        session.flush()  # one batch of INSERTs for every new case and its children
        session.add_all([make_revision_row(row, case, action, who, when, comment, "")
                         for row, case in new_rows])
