"""Holds a run at a known moment, for a signal sent there (DP_HOLD):

- ``migration``: inside the migration's RunPython, for ever;
- ``migrated``: in a post_migrate receiver;
- ``cloning``: in the thread making clone 2, before it makes it;
- ``cleanup``: before the clones are dropped.

The run prints ``HELD <moment>``; a hold other than the migration's lasts
until the file DP_RELEASE names exists. Installed from the settings, so
that it is in place before the runner starts."""

import functools
import os
import time

HOLD = os.environ.get("DP_HOLD", "")


def hold(moment: str) -> None:
    print(f"HELD {moment}", flush=True)
    release = os.environ.get("DP_RELEASE", "")
    # A loop of short sleeps: a signal handler runs between them.
    while moment == "migration" or not os.path.exists(release):
        time.sleep(0.05)


def during_migration() -> None:
    if HOLD == "migration":
        hold("migration")


def _is_clone_2(item) -> bool:
    # The adapters' _copy gets a slot (SQLite), a (source, target) pair
    # (PostgreSQL) or a target name (MariaDB).
    target = item[1] if isinstance(item, tuple) else item
    return target == 2 or str(target).endswith("_2")


def install() -> None:
    from django_parallel.backends.base import CloneAdapter
    from django_parallel.backends.mysql import MySQLCloneAdapter
    from django_parallel.backends.postgresql import PostgreSQLCloneAdapter
    from django_parallel.backends.sqlite3 import SQLiteCloneAdapter

    if HOLD == "cloning":
        for adapter in (SQLiteCloneAdapter, PostgreSQLCloneAdapter, MySQLCloneAdapter):
            original = adapter._copy

            @functools.wraps(original)
            def copy(self, item, *args, _original=original, **kwargs):
                if _is_clone_2(item):
                    hold("cloning")
                return _original(self, item, *args, **kwargs)

            adapter._copy = copy
    if HOLD == "cleanup":
        original_destroy = CloneAdapter.destroy_clones

        def destroy_clones(self):
            hold("cleanup")
            return original_destroy(self)

        CloneAdapter.destroy_clones = destroy_clones
