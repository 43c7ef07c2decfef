"""Two organisations with real (non-superuser) PostgreSQL roles, for the access tests.

Organisation A (``a-kommun``) has a viewer, an editor and an admin; organisation B
(``b-kommun``) a viewer and an editor; a network admin (viewer of B) manages both.
A owns one case per level (``A-PUB`` .. ``A-CONF``), B one internal case. Each
person logs in with its own database role (``World.url``); the owner URL is the
database owner (full access, and may ``SET ROLE`` to anyone, as the app's gateway).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from conftest_outcomes import pg_schema_url
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from siting.outcomes import Case, OutcomeStore, people

PASSWORD = "pw-for-tests"
SECRET = "price 41 MSEK, land free"
LEVEL_CASES = {"A-PUB": "public", "A-NET": "network", "A-INT": "internal",
               "A-CONF": "confidential"}
#: (key, organisation, role) of every person of the world.
PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("a_viewer", "a-kommun", "viewer"), ("a_editor", "a-kommun", "editor"),
    ("a_admin", "a-kommun", "admin"), ("b_viewer", "b-kommun", "viewer"),
    ("b_editor", "b-kommun", "editor"))


@dataclass(frozen=True)
class World:
    """URLs of the owner and of each person's own login."""

    owner: str
    roles: dict[str, str]

    def url(self, who: str) -> str:
        parsed = make_url(self.owner).set(username=self.roles[who], password=PASSWORD)
        return parsed.render_as_string(hide_password=False)

    def open(self, who: str) -> OutcomeStore:
        return OutcomeStore.open(self.url(who))


def level_case(case_id: str, level: str, org: str) -> Case:
    """A battery case of ``org`` at ``level`` (confidential ones carry :data:`SECRET`)."""
    return Case(case_id, f"Fabrik {case_id}", "battery", "2482" if org == "a-kommun" else "2480",
                "ongoing" if level != "public" else "won", confidentiality=level,
                organisation=org, notes=SECRET if level == "confidential" else "",
                year_decided=2020 if level == "public" else None,
                soft={"responsiveness": 4},
                soft_evidence={"responsiveness": SECRET if level == "confidential" else "ok"})


@contextmanager
def make_world(extra: Sequence[tuple[str, str, str]] = ()) -> Iterator[World]:
    """A fresh schema with the organisations, people (plus ``extra``) and level cases."""
    suffix = uuid.uuid4().hex[:8]
    everyone = (*PEOPLE, *extra)
    roles = {k: f"{k}_{suffix}" for k, _, _ in everyone} | {"netadmin": f"netadmin_{suffix}"}
    with pg_schema_url() as owner:
        store = OutcomeStore.open(owner)
        people.add_organisation(store, "a-kommun", "A kommun", kommunkod="2482")
        people.add_organisation(store, "b-kommun", "B kommun", kommunkod="2480")
        for key, org, role in everyone:
            people.add_user(store, roles[key], org, role, password=PASSWORD)
        people.add_user(store, roles["netadmin"], "b-kommun", "viewer", password=PASSWORD,
                        network_admin=True)
        store.close()
        w = World(owner, roles)
        with w.open("a_editor") as a:
            for case_id, level in LEVEL_CASES.items():
                a.add(level_case(case_id, level, "a-kommun"))
        with w.open("b_editor") as b:
            b.add(level_case("B-INT", "internal", "b-kommun"))
        try:
            yield w
        finally:
            admin = create_engine(owner)
            with admin.begin() as conn:
                for role in roles.values():
                    conn.execute(text(f'DROP OWNED BY "{role}"'))
                    conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            admin.dispose()
