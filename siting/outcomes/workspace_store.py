"""The workspace store: an organisation's own sites and layers in the outcome-log database.

Built on :class:`~siting.outcomes.store.OutcomeStore`: the same engine (SQLite
file or PostgreSQL/PostGIS), the same transactions (``BEGIN IMMEDIATE`` on
SQLite, row locks on PostgreSQL; any failure leaves the database unchanged)
and the same audit trail (:class:`~siting.outcomes.revisions.Revision`, one full
JSON snapshot per write; soft deletes; restore writes an old state as a new
revision). A multi-site import is one transaction: every site or none.

Examples
--------
>>> import tempfile, pathlib
>>> from dataclasses import replace
>>> from siting.data.workspace import WorkspaceSite
>>> db = pathlib.Path(tempfile.mkdtemp()) / "ws.sqlite"
>>> with WorkspaceStore.open(str(db)) as ws:
...     [s1] = ws.add_sites([WorkspaceSite("", "Hamnen", "POINT (760000 7200000)")], user="anna")
...     s1 = ws.update_site(replace(s1, zoning="industrial"), user="bo")
...     _ = ws.delete_site(s1.site_id, user="bo")
...     back = ws.restore_site(s1.site_id, 2, user="anna")
...     [r.action for r in ws.site_history(s1.site_id)], back.zoning, back.meta.deleted_at
(['import', 'update', 'delete', 'restore'], 'industrial', None)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from siting.core.errors import StoreError
from siting.core.frozen import FrozenMap
from siting.data.workspace import (
    LOCAL_ORGANISATION,
    ItemMeta,
    WorkspaceLayer,
    WorkspaceSite,
    problem,
    site_problems,
    ws_error,
)
from siting.outcomes.access import Access
from siting.outcomes.revisions import ACTIONS, Revision
from siting.outcomes.store import OutcomeStore, _now
from siting.outcomes.workspace_models import (
    LayerRevisionRow,
    SiteRevisionRow,
    WorkspaceLayerRow,
    WorkspaceSiteRow,
)

__all__ = ["WorkspaceStore"]

Item = WorkspaceSite | WorkspaceLayer

_R = TypeVar("_R", WorkspaceSiteRow, WorkspaceLayerRow)
_V = TypeVar("_V", SiteRevisionRow, LayerRevisionRow)


def _meta(row: Any) -> ItemMeta:
    return ItemMeta(version=row.version, created_by=row.created_by, created_at=row.created_at,
                    updated_by=row.updated_by, updated_at=row.updated_at,
                    deleted_at=row.deleted_at)


def _site_from(content: dict[str, Any], meta: ItemMeta | None = None) -> WorkspaceSite:
    names = {f.name for f in dataclasses.fields(WorkspaceSite)} - {"meta"}
    return WorkspaceSite(**{k: v for k, v in content.items() if k in names}, meta=meta)


def _layer_from(content: dict[str, Any], meta: ItemMeta | None = None) -> WorkspaceLayer:
    return WorkspaceLayer(
        layer_id=content["layer_id"], title=content["title"], type=content["type"],
        theme=content["theme"], kind=content["kind"], features=dict(content["features"]),
        field_map=FrozenMap(dict(content.get("field_map") or {})),
        coverage=tuple(content.get("coverage") or ()), source=content.get("source", ""),
        vintage=content.get("vintage", ""), level=content.get("level", "internal"),
        organisation_id=content.get("organisation_id", LOCAL_ORGANISATION), meta=meta)


def _site_content(row: WorkspaceSiteRow) -> dict[str, Any]:
    return {"site_id": row.site_id, "name": row.name, "geometry_wkt": row.geometry,
            "zoning": row.zoning, "owner": row.owner, "grid_capacity_mw": row.grid_capacity_mw,
            "grid_capacity_source": row.grid_capacity_source,
            "grid_capacity_date": row.grid_capacity_date, "notes": row.notes,
            "source": row.source, "level": row.level, "organisation_id": row.organisation_id}


def _apply_site(item: WorkspaceSite, row: WorkspaceSiteRow) -> None:
    content = item.content()
    content["geometry"] = content.pop("geometry_wkt")
    for key, value in content.items():
        setattr(row, key, value)


def _layer_content(row: WorkspaceLayerRow) -> dict[str, Any]:
    return {"layer_id": row.layer_id, "title": row.title, "type": row.type, "theme": row.theme,
            "kind": row.kind, "features": row.features, "field_map": row.field_map,
            "coverage": row.coverage, "source": row.source, "vintage": row.vintage,
            "level": row.level, "organisation_id": row.organisation_id}


def _apply_layer(item: WorkspaceLayer, row: WorkspaceLayerRow) -> None:
    for key, value in item.content().items():
        setattr(row, key, value)


@dataclass(frozen=True)
class _Kind(Generic[_R, _V]):
    """How one kind of workspace item maps onto its tables (item rows ``_R``, revisions ``_V``)."""

    word: str
    row: type[_R]
    revision: type[_V]
    id_column: str
    prefix: str
    content: Callable[[_R], dict[str, Any]]
    apply: Callable[[Any, Any], None]
    build: Callable[[dict[str, Any], ItemMeta | None], Any]

    def item(self, row: _R) -> Any:
        return self.build(self.content(row), _meta(row))


_SITE = _Kind("site", WorkspaceSiteRow, SiteRevisionRow, "site_id", "S", _site_content,
              _apply_site, _site_from)
_LAYER = _Kind("layer", WorkspaceLayerRow, LayerRevisionRow, "layer_id", "L", _layer_content,
               _apply_layer, _layer_from)


class WorkspaceStore:
    """The workspace of one organisation on an outcome-log database.

    Parameters
    ----------
    store : OutcomeStore
        The open outcome log (its engine and transactions are used).
    organisation_id : str
        Whose workspace; local mode uses :data:`LOCAL_ORGANISATION`.
    """

    def __init__(self, store: OutcomeStore, organisation_id: str = LOCAL_ORGANISATION) -> None:
        self._store = store
        self.organisation_id = organisation_id

    @classmethod
    def open(cls, url: str | None = None, organisation_id: str = LOCAL_ORGANISATION, *,
             act_as: str | None = None) -> WorkspaceStore:
        """Open (creating or upgrading the schema) the workspace on ``url`` (default database).

        ``act_as``: the authenticated person (see :meth:`OutcomeStore.open`); reads show
        only the rows this person may see, writes need the editor role in the organisation.
        """
        return cls(OutcomeStore.open(url, act_as=act_as), organisation_id)

    @property
    def url(self) -> str:
        """The database URL with the password hidden."""
        return self._store.url

    def whoami(self) -> Access:
        """The identity this workspace works for (see :meth:`OutcomeStore.whoami`)."""
        return self._store.whoami()

    def close(self) -> None:
        """Release all connections."""
        self._store.close()

    def __enter__(self) -> WorkspaceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------- internals
    def _visible(self, access: Access, kind: _Kind[_R, _V], row: _R) -> bool:
        return access.can_read(row.organisation_id, row.level,
                               (kind.row.__tablename__, getattr(row, kind.id_column)))

    def _rows(self, session: Session, kind: _Kind[_R, _V], *, lock: bool = False) -> list[_R]:
        """The organisation's rows the identity may see (row-level security on PostgreSQL too)."""
        stmt = select(kind.row).where(kind.row.organisation_id == self.organisation_id) \
            .order_by(kind.row.id)
        if lock and self._store.dialect == "postgresql":
            stmt = stmt.with_for_update()
        access = self._store._access(session)
        return [r for r in session.scalars(stmt) if self._visible(access, kind, r)]

    def _may_write(self, session: Session, user: str | None) -> str:
        """The recorded author, after checking the identity may change this workspace.

        On PostgreSQL the author is the database role (``user`` is ignored with a
        warning, and the database refuses any other); on SQLite ``user`` or the
        identity the store runs as.
        """
        access = self._store._access(session)
        if not access.can_write(self.organisation_id):
            raise StoreError.keyed("problem.access.not_editor", self.url,
                                   field="organisation_id", user=access.user,
                                   org=self.organisation_id,
                                   role=access.role(self.organisation_id) or "-")
        return self._store._author(user, access)

    def _require(self, session: Session, kind: _Kind[_R, _V], item_id: str, *,
                 lock: bool = False) -> _R:
        stmt = select(kind.row).where(kind.row.organisation_id == self.organisation_id,
                                      getattr(kind.row, kind.id_column) == item_id)
        row = session.scalars(stmt).one_or_none()
        if row is not None and not self._visible(self._store._access(session), kind, row):
            row = None  # an item the identity may not see does not exist for it
        elif row is not None and lock and self._store.dialect == "postgresql":
            session.refresh(row, with_for_update=True)
        if row is None:
            raise ws_error(StoreError, [problem(self.url, item_id, kind.id_column, f"no_{kind.word}", id=item_id)])
        return row

    def _revise(self, session: Session, kind: _Kind[_R, _V], row: _R, action: str, user: str,
                comment: str, when: dt.datetime) -> Any:
        if action not in ACTIONS:
            raise ValueError(f"unknown revision action {action!r}")
        session.flush()
        snapshot = {**kind.content(row), "version": row.version,
                    "deleted_at": None if row.deleted_at is None else row.deleted_at.isoformat()}
        session.add(kind.revision(item_pk=row.id, organisation_id=row.organisation_id,
                                  item_id=getattr(row, kind.id_column), revision_no=row.version,
                                  action=action, snapshot=snapshot, changed_by=user,
                                  changed_at=when, comment=comment))
        session.flush()
        return kind.item(row)

    def _insert_many(self, kind: _Kind[_R, _V], items: Sequence[Any], user: str | None,
                     comment: str, action: str, source: str = "") -> list[Any]:
        with self._store._tx() as session:
            who = self._may_write(session, user)
            existing = self._rows(session, kind, lock=True)
            if kind is _SITE:
                self._check_names(items, [r for r in existing if r.deleted_at is None],
                                  source=source)
            n = session.scalar(select(func.count()).select_from(kind.row).where(
                kind.row.organisation_id == self.organisation_id)) or 0
            when = _now()
            rows = []
            for i, item in enumerate(items, start=int(n) + 1):
                item = dataclasses.replace(item, organisation_id=self.organisation_id,
                                           **{kind.id_column: f"{kind.prefix}{i}"})
                row = kind.row(version=1, created_by=who, created_at=when, updated_by=who,
                               updated_at=when, deleted_at=None)
                kind.apply(item, row)
                session.add(row)
                rows.append(row)
            return [self._revise(session, kind, row, action, who, comment, when)
                    for row in rows]

    def _check_names(self, items: Sequence[WorkspaceSite], kept: Sequence[Any],
                     ignore_id: str = "", source: str = "") -> None:
        src = source or self.url
        problems = [p for s in items for p in site_problems(s, src)]
        taken = {r.name.strip().casefold(): r.site_id for r in kept if r.site_id != ignore_id}
        seen: set[str] = set()
        for s in items:
            key = s.name.strip().casefold()
            if key in seen or key in taken:
                problems.append(problem(src, s.name, "name", "duplicate_name", name=s.name))
            seen.add(key)
        if problems:
            raise ws_error(StoreError, problems)

    def _change(self, kind: _Kind[_R, _V], item_id: str, action: str, user: str | None,
                comment: str, mutate: Callable[[Session, _R], None]) -> Any:
        with self._store._tx() as session:
            who = self._may_write(session, user)
            row = self._require(session, kind, item_id, lock=True)
            mutate(session, row)
            when = _now()
            row.version += 1
            row.updated_by = who
            row.updated_at = when
            return self._revise(session, kind, row, action, row.updated_by, comment, when)

    def _set_deleted(self, kind: _Kind[_R, _V], item_id: str, deleted: bool, user: str | None,
                     comment: str) -> Any:
        def mutate(_session: Session, row: _R) -> None:
            if (row.deleted_at is not None) == deleted:
                key = "already_deleted" if deleted else "not_deleted"
                raise ws_error(StoreError, [problem(self.url, item_id, kind.id_column,
                                                             key, id=item_id)])
            row.deleted_at = _now() if deleted else None

        return self._change(kind, item_id, "delete" if deleted else "undelete", user, comment,
                            mutate)

    def _restore(self, kind: _Kind[_R, _V], item_id: str, revision_no: int, user: str | None,
                 comment: str) -> Any:
        def mutate(session: Session, row: _R) -> None:
            old = session.scalars(select(kind.revision).where(
                kind.revision.item_pk == row.id,
                kind.revision.revision_no == revision_no)).one_or_none()
            if old is None:
                raise ws_error(StoreError, [problem(
                    self.url, item_id, "revision_no", "no_revision", id=item_id,
                    no=revision_no, latest=row.version)])
            snapshot = dict(old.snapshot)
            item = kind.build({k: v for k, v in snapshot.items()
                               if k not in ("version", "deleted_at")}, None)
            if kind is _SITE:
                kept = [r for r in self._rows(session, kind) if r.deleted_at is None]
                self._check_names([item], kept, ignore_id=item_id)
            kind.apply(item, row)
            if snapshot.get("deleted_at") is None:
                row.deleted_at = None
            elif row.deleted_at is None:
                row.deleted_at = _now()

        return self._change(kind, item_id, "restore", user,
                            comment or f"restored revision {revision_no}", mutate)

    def _list(self, kind: _Kind[_R, _V], include_deleted: bool) -> list[Any]:
        with self._store._tx(write=False) as session:
            return [kind.item(r) for r in self._rows(session, kind)
                    if include_deleted or r.deleted_at is None]

    def _get(self, kind: _Kind[_R, _V], item_id: str) -> Any:
        with self._store._tx(write=False) as session:
            return kind.item(self._require(session, kind, item_id))

    def _history(self, kind: _Kind[_R, _V], item_id: str) -> list[Revision]:
        with self._store._tx(write=False) as session:
            row = self._require(session, kind, item_id)
            revs = session.scalars(select(kind.revision).where(kind.revision.item_pk == row.id)
                                   .order_by(kind.revision.revision_no))
            return [Revision(case_id=r.item_id, revision_no=r.revision_no, action=r.action,
                             changed_by=r.changed_by, changed_at=r.changed_at,
                             comment=r.comment, snapshot=dict(r.snapshot)) for r in revs]

    def stamp(self) -> tuple[int, int, str]:
        """(sites, layers, latest change as ISO text): changes whenever the workspace does."""
        with self._store._tx(write=False) as session:
            access = self._store._access(session)
            parts = []
            for kind in (_SITE, _LAYER):  # only the rows this identity sees: its own cache key
                table = kind.row.__tablename__
                stamps = [when for org, level, item, when in session.execute(
                    select(kind.row.organisation_id, kind.row.level,
                           getattr(kind.row, kind.id_column), kind.row.updated_at)
                    .where(kind.row.organisation_id == self.organisation_id))
                    if access.can_read(org, level, (table, item))]
                parts.append((len(stamps), str(max(stamps, default=""))))
        return parts[0][0], parts[1][0], max(parts[0][1], parts[1][1])

    # --------------------------------------------------------------- sites
    def list_sites(self, *, include_deleted: bool = False) -> list[WorkspaceSite]:
        """The organisation's sites in the order they were added."""
        return self._list(_SITE, include_deleted)

    def get_site(self, site_id: str) -> WorkspaceSite:
        """One site (deleted ones too; see ``meta.deleted_at``)."""
        return self._get(_SITE, site_id)

    def add_sites(self, sites: Sequence[WorkspaceSite], *, user: str | None = None,
                  comment: str = "", action: str = "import",
                  source: str = "") -> list[WorkspaceSite]:
        """Save new sites in ONE transaction (all or none); ids ``S<n>`` are given here.

        Raises
        ------
        StoreError
            Invalid content or a name used twice (in ``sites`` or by a kept site);
            nothing is saved. ``source`` (e.g. the file) is named in the problems.
        """
        if not sites:
            raise ws_error(StoreError, [problem(self.url, "", "", "no_sites")])
        return self._insert_many(_SITE, sites, user, comment, action, source)

    def update_site(self, site: WorkspaceSite, *, expected_version: int | None = None,
                    user: str | None = None, comment: str = "") -> WorkspaceSite:
        """Replace a site's content (optimistic concurrency on ``meta.version``)."""
        expected = expected_version if expected_version is not None else \
            (site.meta.version if site.meta else None)

        def mutate(session: Session, row: WorkspaceSiteRow) -> None:
            if expected is not None and row.version != expected:
                raise ws_error(StoreError, [problem(
                    self.url, site.site_id, "version", "stale", id=site.site_id,
                    now=row.version, by=row.updated_by, read=expected)])
            if row.deleted_at is not None:
                raise ws_error(StoreError, [problem(
                    self.url, site.site_id, "site_id", "already_deleted", id=site.site_id)])
            kept = [r for r in self._rows(session, _SITE) if r.deleted_at is None]
            self._check_names([site], kept, ignore_id=site.site_id)
            _apply_site(dataclasses.replace(site, organisation_id=self.organisation_id), row)

        return self._change(_SITE, site.site_id, "update", user, comment, mutate)

    def delete_site(self, site_id: str, *, user: str | None = None,
                    comment: str = "") -> WorkspaceSite:
        """Soft-delete a site (reversible with :meth:`undelete_site`)."""
        return self._set_deleted(_SITE, site_id, True, user, comment)

    def undelete_site(self, site_id: str, *, user: str | None = None,
                      comment: str = "") -> WorkspaceSite:
        """Bring a deleted site back (its name must still be free)."""
        def check() -> None:
            with self._store._tx(write=False) as session:
                row = self._require(session, _SITE, site_id)
                kept = [r for r in self._rows(session, _SITE) if r.deleted_at is None]
                self._check_names([_SITE.item(row)], kept, ignore_id=site_id)
        check()
        return self._set_deleted(_SITE, site_id, False, user, comment)

    def restore_site(self, site_id: str, revision_no: int, *, user: str | None = None,
                     comment: str = "") -> WorkspaceSite:
        """Write revision ``revision_no``'s state as a new revision (history kept)."""
        return self._restore(_SITE, site_id, revision_no, user, comment)

    def site_history(self, site_id: str) -> list[Revision]:
        """Every revision of a site, oldest first (``Revision.case_id`` holds the site id)."""
        return self._history(_SITE, site_id)

    # -------------------------------------------------------------- layers
    def list_layers(self, *, include_deleted: bool = False) -> list[WorkspaceLayer]:
        """The organisation's layers in the order they were added."""
        return self._list(_LAYER, include_deleted)

    def get_layer(self, layer_id: str) -> WorkspaceLayer:
        """One layer (deleted ones too)."""
        return self._get(_LAYER, layer_id)

    def add_layer(self, layer: WorkspaceLayer, *, user: str | None = None,
                  comment: str = "") -> WorkspaceLayer:
        """Save a new layer (id ``L<n>``) in one transaction."""
        return self._insert_many(_LAYER, [layer], user, comment, "create")[0]

    def delete_layer(self, layer_id: str, *, user: str | None = None,
                     comment: str = "") -> WorkspaceLayer:
        """Soft-delete a layer."""
        return self._set_deleted(_LAYER, layer_id, True, user, comment)

    def undelete_layer(self, layer_id: str, *, user: str | None = None,
                       comment: str = "") -> WorkspaceLayer:
        """Bring a deleted layer back."""
        return self._set_deleted(_LAYER, layer_id, False, user, comment)

    def restore_layer(self, layer_id: str, revision_no: int, *, user: str | None = None,
                      comment: str = "") -> WorkspaceLayer:
        """Write an old revision's state as a new revision."""
        return self._restore(_LAYER, layer_id, revision_no, user, comment)

    def layer_history(self, layer_id: str) -> list[Revision]:
        """Every revision of a layer, oldest first."""
        return self._history(_LAYER, layer_id)
