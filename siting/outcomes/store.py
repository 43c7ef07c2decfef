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
>>> from siting.outcomes.case import Case, case_to_dict, validate_case
>>> db = pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"
>>> with OutcomeStore.open(str(db)) as store:
...     saved = store.add(Case("T-1", "Test", "battery", "2482", "won"), user="anna")
...     changed = store.update(replace(saved, title="Test 2"), user="bo")
...     [r.action for r in store.history("T-1")]
['create', 'update']
"""

from __future__ import annotations

import builtins
import datetime as dt
import getpass
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from siting.core.errors import StoreError
from siting.outcomes.access import LOCAL_ORG, Access, quote_ident
from siting.outcomes.bulk import BulkWrites, UpsertReport
from siting.outcomes.case import Case, case_to_dict, validate_case
from siting.outcomes.database import (
    ENV_DB_URL,
    READ_ONLY,
    default_url,
    make_engine,
    normalise_url,
    schema_is_current,
    upgrade_schema,
)
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

_KEEP: Any = object()  # "leave deleted_at as it is"


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


class OutcomeStore(BulkWrites):
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
        full = normalise_url(url or default_url())
        engine = make_engine(full)
        try:
            if migrate:
                upgrade_schema(engine, confirmed=confirm_upgrade)
            elif not schema_is_current(engine):
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
                    session.connection(execution_options={READ_ONLY: True})
                if self._act_as and self.dialect == "postgresql":
                    session.execute(text(f"SET LOCAL ROLE {quote_ident(self._act_as)}"))
                yield session
        except IntegrityError as exc:
            detail = str(exc.orig)
            if "uq_outcome_case_case_id" in detail or "outcome_case.case_id" in detail:
                raise StoreError.single(self.url, "a case with this id already exists "
                                        "(created at the same time, or one you may not see)",
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
        :class:`~siting.core.errors.StoreError`.
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
        if self.dialect == "postgresql":
            return _who(user, access)
        return _who(user or access.user)

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

    def history(self, case_id: str) -> builtins.list[Revision]:
        """Every revision of a case, oldest first (redacted text shows as redacted).

        Revisions written while the case was at a level the identity may not read
        show their content as redacted too (see :func:`revision_from_row`).
        """
        with self._tx(write=False) as session:
            access = self._access(session)
            row = self._require_row(session, access, case_id, lock=False)
            revs = session.scalars(select(RevisionRow).where(RevisionRow.case_pk == row.id)
                                   .order_by(RevisionRow.revision_no))
            return [revision_from_row(r, access) for r in revs]

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
