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
import json
import os
import re
from dataclasses import dataclass

from django.conf import settings

from django_parallel.errors import first_line
from django_parallel.files import write_atomically
from django_parallel.fingerprint import FingerprintUnavailable, fingerprint, stable

CACHE_DIR = os.path.join(".django_parallel", "dbcache")


def cache_dir() -> str:
    return os.path.join(os.getcwd(), CACHE_DIR)


def cache_entry(connection, cache, verbosity: int) -> tuple[str, str] | None:
    """The entry of adapter ``cache`` for the current fingerprint of
    ``connection`` and that fingerprint, or None (said in one line) when the
    fingerprint cannot be read: that alias is then migrated, as with
    --no-db-cache."""
    try:
        fingerprint_ = fingerprint(connection)
    except FingerprintUnavailable as exc:
        if verbosity >= 1:
            connection.creation.log(
                f"Not using the migrated-database cache for alias "
                f"{connection.alias!r}: its fingerprint {exc}."
            )
        return None
    return cache.cache_location(fingerprint_), fingerprint_


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


# Exported entries: a server's cache entry written to a file by its own dump
# program (``manage.py test_db_cache export``), beside a description of it,
# so that a CI job that restores ``.django_parallel/`` loads it into a fresh
# server instead of migrating. SQLite entries are files here already.
EXPORT_FORMAT = 1


def export_paths(cache, location: str) -> tuple[str, str]:
    """The dump file of server cache entry ``location`` and its description."""
    dump = os.path.join(cache_dir(), os.path.basename(location) + cache.dump_suffix)
    return dump, dump + ".json"


def export_entry(connection, cache, location: str, fingerprint_: str) -> str:
    """Write entry ``location`` (which exists on the server, made from
    ``fingerprint_``) to its files, dropping the files of the test
    database's older entries; the dump's path. Raises ``ClientUnavailable``
    when the dump program is missing or fails, leaving no partial file."""
    dump, description = export_paths(cache, location)
    os.makedirs(cache_dir(), exist_ok=True)
    partial = f"{dump}.partial-{os.getpid()}"
    try:
        details = cache.dump_entry(location, partial)
        os.replace(partial, dump)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    text = json.dumps(
        {
            "format": EXPORT_FORMAT,
            "entry": os.path.basename(location),
            "fingerprint": fingerprint_,
            "vendor": connection.vendor,
            "details": details,
        }
    )
    write_atomically(description, text, prefix=".export-")
    drop_exports(cache, keep=location)
    return dump


def drop_exports(cache, keep: str | None = None) -> list[str]:
    """Delete the exported files of the test database's entries but ``keep``."""
    directory = cache_dir()
    if not cache.dump_suffix or not os.path.isdir(directory):
        return []
    dropped = []
    for name in sorted(os.listdir(directory)):
        # Only this backend's files: another server's entries of a test
        # database of the same name are not this one's to drop.
        entry = re.sub(r"\.partial-\d+$", "", name).removesuffix(".json")
        if not entry.endswith(cache.dump_suffix):
            continue
        entry = entry.removesuffix(cache.dump_suffix)
        if not cache.is_cache_name(entry) or entry == os.path.basename(keep or ""):
            continue
        try:
            os.remove(os.path.join(directory, name))
        except FileNotFoundError:
            continue
        dropped.append(os.path.join(directory, name))
    return dropped


@dataclass(frozen=True)
class ExportedEntry:
    """An exported cache entry that matches the current fingerprint: the
    dump file and what loading it needs besides (see ``dump_entry``)."""

    path: str
    details: dict


def import_entry(
    connection,
    cache,
    location: str,
    fingerprint_: str,
    verbosity: int,
    *,
    spare_only: bool = False,
) -> ExportedEntry | None:
    """Load entry ``location`` into the server from its exported files when
    they are here and were made from ``fingerprint_``, the current one (read
    once per run: it hashes every migration); the export loaded, or None.
    With ``spare_only``, only the spare copy this run's test database is
    taken from is loaded: the entry is left to ``SpareCopies``, while the
    tests run. Anything that stops it (no files, another fingerprint, a
    missing or failing client program) leaves the run to migrate, said in
    one line."""
    from django_parallel.backends.clients import ClientUnavailable

    if not cache.dump_suffix:
        return None
    dump, description = export_paths(cache, location)
    try:
        with open(description) as file:
            exported = json.load(file)
    except (OSError, ValueError):
        return None
    why = None
    try:
        if (
            not isinstance(exported, dict)
            or exported.get("format") != EXPORT_FORMAT
            or exported.get("entry") != os.path.basename(location)
            or exported.get("vendor") != connection.vendor
            or exported.get("fingerprint") != fingerprint_
        ):
            why = "it was made from other settings or migrations"
        elif verbosity >= 1:
            connection.creation.log(
                f"Loading the migrated-database cache for alias "
                f"{connection.alias!r} from {os.path.relpath(dump)}..."
            )
        if why is None:
            entry = ExportedEntry(dump, exported.get("details") or {})
            load = cache.load_spare if spare_only else cache.load_entry
            return entry if load(location, entry.path, entry.details) else None
    except ClientUnavailable as exc:
        why = str(exc)
    except Exception as exc:
        why = first_line(exc) or type(exc).__name__
    if verbosity >= 1:
        connection.creation.log(
            f"Not loading the exported migrated-database cache for alias "
            f"{connection.alias!r}: {why}; migrating instead."
        )
    return None


def cache_key(connections_: list) -> str:
    """A key for a CI cache step: it changes whenever an entry of one of
    ``connections_`` (their fingerprints) would."""
    from django_parallel.backends import adapter_for

    parts = []
    for connection in connections_:
        cache = adapter_for(connection)
        if not cache.supports_cache:
            continue
        try:
            entry = os.path.basename(cache.cache_location(fingerprint(connection)))
        except FingerprintUnavailable:
            entry = "unavailable"
        parts.append(f"{connection.alias}:{connection.vendor}:{entry}")
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:20]
