"""Alembic migrations of the outcome log (applied by ``OutcomeStore.open(..., migrate=True)``).

No ``alembic.ini`` is needed at runtime. To write a new revision after changing
``siting/outcomes/models.py`` (keep ``tests/test_outcomes_store.py``'s
model/migration comparison green)::

    .venv/bin/python - <<'PY'
    from alembic import command
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", "siting/outcomes/migrations")
    cfg.set_main_option("sqlalchemy.url", "sqlite:////tmp/outcomes_head.sqlite")
    command.upgrade(cfg, "head")                     # a scratch database at head
    command.revision(cfg, message="what changed", autogenerate=True,
                     rev_id="0002_what_changed")
    PY

Review the generated file (PostGIS-specific DDL goes behind a dialect check, as
in ``0001_initial.py``) and test it on SQLite and PostgreSQL.
"""
