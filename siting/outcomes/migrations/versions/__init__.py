"""Alembic revision scripts of the outcome log."""
