"""Migrations under coverage.py, whether or not this run migrated.

A run that copies its test databases from the migrated-database cache runs
no migration, so under coverage.py the migration modules would count as
never run on every run after the first, and a warm run's total would not
match a cold one's. When coverage.py measures this process, the runner
imports them anyway: everything in them but the bodies of the functions a
``RunPython`` operation calls then counts as run, as in a run that
migrates. Without coverage.py this does nothing.
"""

from __future__ import annotations

import sys


def measured() -> bool:
    """Whether coverage.py measures this process (never imports it)."""
    module = sys.modules.get("coverage")
    try:
        return module is not None and module.Coverage.current() is not None
    except Exception:
        return False


def import_migrations() -> None:
    """Import every installed app's migration modules, when measured."""
    if not measured():
        return
    try:
        from django.db.migrations.loader import MigrationLoader

        # No connection: the modules are read, the database is not.
        MigrationLoader(None, ignore_no_migrations=True)
    except Exception:
        # A migration that cannot be loaded fails the migrating runs, with
        # its own error; here it only leaves the lines uncounted.
        pass
