"""Alembic migrations; `okno migrate` runs them, `storage.migrate.upgrade` runs them from code."""
