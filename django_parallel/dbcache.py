"""The migrated-database cache: a test database kept between runs, ready
to be copied instead of migrated again.

A cache entry is keyed by a fingerprint (``fingerprint.py``, which lists
what it covers and what it does not) of what shapes the schema and the rows
migrating leaves: Django's version, the database settings, the installed
apps and their migration modules, the models, and the source of the models,
migrations, routers and pre/post_migrate receivers and of every module of
the project they import. A change to any of these makes a new fingerprint,
so the run migrates again and caches the result; a fingerprint that cannot
be read turns the cache off for that alias (one line), never a crash.

What the backend keeps is its adapter's business: a file under
``.django_parallel/dbcache/`` for SQLite, a template database for
PostgreSQL, a copied database for MariaDB/MySQL, named after the test
database (``<test name>_dpcache_<fingerprint>``, the test name shortened to
the server's limit so the marker always stays). Each alias (each test
database) keeps at most one entry and its spare copies: making a new entry
drops the old ones, and their kept serialized contents.

The serialized contents of an entry (for ``serialized_rollback``) are kept
beside it as a file, keyed by the entry and the settings that change what is
serialized.
"""

from __future__ import annotations

import hashlib
import os
import re

from django.conf import settings

from django_parallel.fingerprint import FingerprintUnavailable, fingerprint, stable

CACHE_DIR = os.path.join(".django_parallel", "dbcache")


def cache_dir() -> str:
    return os.path.join(os.getcwd(), CACHE_DIR)


def cache_location(connection, cache, verbosity: int) -> str | None:
    """The entry of adapter ``cache`` for the current fingerprint of
    ``connection``, or None (said in one line) when the fingerprint cannot
    be read: that alias is then migrated, as with --no-db-cache."""
    try:
        return cache.cache_location(fingerprint(connection))
    except FingerprintUnavailable as exc:
        if verbosity >= 1:
            connection.creation.log(
                f"Not using the migrated-database cache for alias "
                f"{connection.alias!r}: its fingerprint {exc}."
            )
        return None


# The serialized contents of a cached test database (for serialized_rollback)
# are as fixed by the fingerprint as its schema and rows, so they are kept
# beside the cache, whatever the backend, and not serialized again.


def serialized_path(alias: str, location: str) -> str | None:
    """Where the serialized contents of cache entry ``location`` are kept;
    None when the settings that shape them cannot be read (they are then
    serialized every run)."""
    try:
        key = stable(
            (
                location,
                getattr(settings, "TEST_NON_SERIALIZED_APPS", []),
                getattr(settings, "SERIALIZATION_MODULES", None),
            )
        )
    except Exception:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(cache_dir(), f"{alias}-{digest}{SERIALIZED_SUFFIX}")


SERIALIZED_SUFFIX = ".serialized.json"


def load_serialized(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except OSError:
        return None


def save_serialized(path: str, alias: str, contents: str) -> None:
    """Keep ``contents`` at ``path``, dropping the alias's older ones."""
    drop_serialized(alias, keep=path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.partial-{os.getpid()}"
    with open(partial, "w", encoding="utf-8") as file:
        file.write(contents)
    os.replace(partial, path)


def drop_serialized(alias: str, keep: str | None = None) -> list[str]:
    return drop_cache_files(alias, keep, serialized=True)


def drop_cache_files(alias: str, keep: str | None, *, serialized: bool) -> list[str]:
    """Delete the alias's files in the cache directory, but ``keep``: its
    serialized contents, or (``serialized=False``) its SQLite entries. Only
    names this module makes match (alias ``a`` never takes ``a-b``'s)."""
    directory = cache_dir()
    if not os.path.isdir(directory):
        return []
    suffix = re.escape(SERIALIZED_SUFFIX if serialized else ".sqlite3")
    pattern = re.compile(
        re.escape(alias) + r"-[0-9a-f]{16}" + suffix + r"(?:\.partial-\d+)?"
    )
    dropped = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if pattern.fullmatch(name) and path != keep:
            try:
                os.remove(path)
            except FileNotFoundError:
                continue  # Dropped by another run meanwhile.
            dropped.append(path)
    return dropped
