"""The migrated-database cache in CI: a key for the CI system's cache step,
and exporting the server entries to files it keeps.

A CI job starts with a fresh database server, so the server-side cache
(PostgreSQL templates, MariaDB/MySQL copies) is always cold there. The job
restores ``.django_parallel/`` under ``cache_key()``; after the tests,
``export()`` writes each server entry they left to a file there with the
server's own dump program; a later job's run finds no entry on its server,
loads the file (``dbcache.import_entry``) and skips migrating. Reached
through ``manage.py test_db_cache`` and ``python -m django_parallel cache``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.db import connections
from django.test.utils import get_unique_databases_and_mirrors

from django_parallel.backends import adapter_for
from django_parallel.backends.clients import ClientUnavailable
from django_parallel.databases import bound_connects, check_server
from django_parallel.dbcache import cache_key, export_entry, export_paths
from django_parallel.errors import RunnerError
from django_parallel.fingerprint import FingerprintUnavailable, fingerprint
from django_parallel.options import project_defaults


def test_database_aliases() -> list[str]:
    """One alias per test database (mirrors, and aliases sharing a
    database, share its entry)."""
    unique, _ = get_unique_databases_and_mirrors(set(connections))
    return sorted(aliases[0] for _, aliases in unique.values())


def key() -> str:
    """The key under which a CI cache step keeps ``.django_parallel/``."""
    return cache_key([connections[alias] for alias in test_database_aliases()])


def export(log: Callable[[str], None] = print) -> None:
    """Write each server cache entry of the current fingerprints to its
    files, unless they are there already. A missing entry (the tests did
    not run here) or dump program is a ``RunnerError``."""
    aliases = test_database_aliases()
    bound_connects(aliases, project_defaults()["connect_timeout"])
    for alias in aliases:
        connection = connections[alias]
        cache = adapter_for(connection)
        if not cache.supports_cache:
            continue
        if not cache.dump_suffix:
            log(f"Alias {alias!r}: its cache entries are files already.")
            continue
        try:
            current = fingerprint(connection)
        except FingerprintUnavailable as exc:
            log(f"Alias {alias!r}: not cached (its fingerprint {exc}).")
            continue
        location = cache.cache_location(current)
        dump, description = export_paths(cache, location)
        if os.path.exists(dump) and os.path.exists(description):
            log(f"Alias {alias!r}: {os.path.relpath(dump)} is current.")
            continue
        check_server(alias)
        if not cache.cached(location):
            raise RunnerError(
                f"alias {alias!r} has no migrated-database cache entry for the "
                "current migrations on its server; run the tests first"
            )
        try:
            export_entry(connection, cache, location, current)
        except ClientUnavailable as exc:
            raise RunnerError(
                f"cannot export the cache entry of alias {alias!r}: {exc}"
            ) from None
        log(f"Alias {alias!r}: exported to {os.path.relpath(dump)}.")
