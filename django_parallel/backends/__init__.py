"""Per-backend adapters that make and drop the per-worker copies ("clones")
of a test database (django/db/backends/*/creation.py's ``_clone_test_db``).
"""

from __future__ import annotations

from django_parallel.backends.base import CloneAdapter, WorkerDatabase


def adapter_for(connection, **options) -> CloneAdapter:
    """The clone adapter for a connection's backend (the base one refuses)."""
    vendor = connection.vendor
    if vendor == "sqlite":
        from django_parallel.backends.sqlite3 import SQLiteCloneAdapter as adapter
    elif vendor == "postgresql":
        from django_parallel.backends.postgresql import (
            PostgreSQLCloneAdapter as adapter,
        )
    elif vendor == "mysql":
        from django_parallel.backends.mysql import MySQLCloneAdapter as adapter
    else:
        adapter = CloneAdapter
    return adapter(connection, **options)


__all__ = ["CloneAdapter", "WorkerDatabase", "adapter_for"]
