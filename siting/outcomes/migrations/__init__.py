"""Alembic migrations of the outcome log (applied by ``OutcomeStore.open(..., migrate=True)``)."""
