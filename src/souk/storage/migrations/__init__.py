"""Alembic migrations for Souk's schema (run by souk.storage.migrate, never at import time)."""
