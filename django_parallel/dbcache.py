"""The migrated-database cache: a test database kept between runs, ready
to be copied instead of migrated again.

A cache entry is keyed by a fingerprint of everything that shapes the
schema and the rows migrating leaves: Django's version, the database
settings, INSTALLED_APPS, MIGRATION_MODULES and DATABASE_ROUTERS, the source
of every installed app's migrations and models, of the database routers
(they decide which tables each database gets), and of every pre_migrate and
post_migrate receiver (they add rows: content types, permissions, ...). Any change makes a new fingerprint, so a stale schema is never
served; the entry it replaces is dropped. What the backend keeps is its
adapter's business: a file under ``.django_parallel/dbcache/`` for SQLite, a
template database for PostgreSQL, a copied database for MariaDB/MySQL.

The serialized contents of an entry (for ``serialized_rollback``) are kept
beside it as a file, keyed by the entry and the settings that change what is
serialized.

What the fingerprint cannot see (a data migration reading a file outside the
app, say) needs ``--no-db-cache`` or ``--clear-db-cache``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
from pathlib import Path

import django
from django.conf import settings

from django_parallel.compat import signal_receivers

CACHE_DIR = os.path.join(".django_parallel", "dbcache")


def cache_dir() -> str:
    return os.path.join(os.getcwd(), CACHE_DIR)


def _module_files(module_name: str) -> list[Path]:
    """The source files of a module, or of every module in a package."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        files = []
        for location in spec.submodule_search_locations:
            files.extend(sorted(Path(location).rglob("*.py")))
        return files
    return [Path(spec.origin)] if spec.origin and spec.origin.endswith(".py") else []


def _hook_sources() -> list[Path]:
    """Source files of the database routers and of the pre_migrate and
    post_migrate receivers connected now."""
    from django.db import router
    from django.db.models.signals import post_migrate, pre_migrate

    objects = [type(r) if not isinstance(r, type) else r for r in router.routers]
    for signal in (pre_migrate, post_migrate):
        objects.extend(signal_receivers(signal))
    files = set()
    for obj in objects:
        try:
            source = inspect.getsourcefile(inspect.unwrap(obj))
        except TypeError:  # built in, or a callable instance
            source = (
                inspect.getsourcefile(type(obj)) if not isinstance(obj, type) else None
            )
        except Exception:
            source = None
        if source:
            files.add(Path(source))
    return sorted(files)


def fingerprint(connection) -> str:
    """A hash of everything that decides the migrated schema of ``connection``."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()

    def feed(*parts) -> None:
        for part in parts:
            digest.update(repr(part).encode())
            digest.update(b"\0")

    database = {
        key: value
        for key, value in connection.settings_dict.items()
        if key not in ("PASSWORD", "NAME")
    }
    feed(django.get_version(), connection.vendor, sorted(database.items(), key=str))
    feed(connection.creation._get_test_db_name())
    feed(list(settings.INSTALLED_APPS), sorted(settings.MIGRATION_MODULES.items()))
    feed(list(getattr(settings, "DATABASE_ROUTERS", [])))
    for path in _hook_sources():
        feed(str(path))
        digest.update(path.read_bytes())
    for app_config in apps.get_app_configs():
        feed(app_config.label)
        migrations_module, _ = MigrationLoader.migrations_module(app_config.label)
        sources = _module_files(migrations_module) if migrations_module else []
        if app_config.models_module is not None:
            sources += _module_files(app_config.models_module.__name__)
        for path in sources:
            feed(str(path.name))
            digest.update(path.read_bytes())
    return digest.hexdigest()


# The serialized contents of a cached test database (for serialized_rollback)
# are as fixed by the fingerprint as its schema and rows, so they are kept
# beside the cache, whatever the backend, and not serialized again.


def serialized_path(alias: str, location: str) -> str:
    """Where the serialized contents of cache entry ``location`` are kept."""
    key = repr(
        (
            location,
            list(getattr(settings, "TEST_NON_SERIALIZED_APPS", [])),
            sorted((getattr(settings, "SERIALIZATION_MODULES", None) or {}).items()),
        )
    )
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
    serialized contents, or (``serialized=False``) everything else."""
    directory = cache_dir()
    if not os.path.isdir(directory):
        return []
    dropped = []
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if (
            name.startswith(f"{alias}-")
            and name.endswith(SERIALIZED_SUFFIX) == serialized
            and path != keep
        ):
            os.remove(path)
            dropped.append(path)
    return dropped
