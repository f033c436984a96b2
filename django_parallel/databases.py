"""Test databases: which aliases a run needs, creating them, and dropping them
(django/test/utils.py's ``setup_databases``/``teardown_databases`` and
``DiscoverRunner.get_databases``).

Behaves as Django 5.2 does on every supported version: only the aliases that
selected tests declare in ``databases`` are created, mirrors are honoured,
and an alias is serialized only when a selected test on it sets
``serialized_rollback``, after every database and mirror exists.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import NullTimeKeeper, get_unique_databases_and_mirrors

from django_parallel.backends import adapter_for
from django_parallel.compat import CREATE_TEST_DB_KWARGS
from django_parallel.dbcache import (
    ExportedEntry,
    cache_entry,
    drop_exports,
    drop_serialized,
    import_entry,
    load_serialized,
    save_serialized,
    serialized_path,
)
from django_parallel.errors import RunnerError, first_line


@dataclass
class CreatedDatabase:
    """One entry of the "old config": what teardown needs to undo."""

    connection: object
    old_name: str
    destroy: bool


@dataclass
class Clones:
    """The per-worker clones of one test database, made by ``adapter``."""

    adapter: object
    slots: int


@dataclass
class SpareCopies:
    """Spare copies of a cache entry, for the next run's test database and
    clones, made in a thread while the tests run (``start_spare_copies``).
    The run waits for the copy in progress when it ends (and for the load of
    an exported entry), not for the rest."""

    cache: object
    location: str
    numbers: list[int]
    # An exported entry whose spare 0 became the test database: the entry
    # itself is loaded first, then the spares are copied from it.
    load: ExportedEntry | None = None
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    # Set while the thread should end after the copy in progress (paused).
    pausing: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._make, name="django_parallel-spares")
        self.thread.start()

    def _make(self) -> None:
        # The entry is loaded even once the run has ended (finish() waits
        # for it), or the next run on this server would load it again.
        while not self.pausing.is_set() and (
            self.load is not None or (self.numbers and not self.stop.is_set())
        ):
            try:
                if self.load is not None:
                    self.cache.load_entry(
                        self.location, self.load.path, self.load.details
                    )
                    self.load = None
                    continue
                self.cache.make_spare(self.location, self.numbers[0])
            except Exception:
                # Only the next run's head start is lost (a later run on
                # this server loads the exported entry again).
                self.load = None
                self.numbers.clear()
                return
            del self.numbers[0]

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No copying thread while the block runs (a fork: a process that
        forks must have no other thread). The copy in progress ends first;
        the others are made afterwards."""
        running = self.thread is not None and self.thread.is_alive()
        if running:
            self.pausing.set()
            self.thread.join()
            self.pausing.clear()
        try:
            yield
        finally:
            if running and (self.load or (self.numbers and not self.stop.is_set())):
                self.start()

    def finish(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


@contextmanager
def spare_copies_paused(created: list) -> Iterator[None]:
    """Every spare-copy thread of ``created`` paused for the block."""
    with ExitStack() as stack:
        for entry in created:
            if isinstance(entry, SpareCopies):
                stack.enter_context(entry.paused())
        yield


def start_spare_copies(created: list) -> None:
    """Start making the spare copies ``setup_databases`` planned. Called
    once the tests start, after any worker is forked: a process that forks
    should have no other thread."""
    for entry in created:
        if isinstance(entry, SpareCopies) and entry.thread is None:
            entry.start()


@dataclass
class DatabaseUsage:
    """Aliases the selected tests use, and the ones needing serialization."""

    aliases: dict[str, bool] = field(default_factory=dict)

    @property
    def serialized_aliases(self) -> set[str]:
        return {alias for alias, serialize in self.aliases.items() if serialize}

    @classmethod
    def of_tests(cls, tests: Iterable) -> DatabaseUsage:
        aliases: dict[str, bool] = {}
        for test in tests:
            used = getattr(test, "databases", None)
            if used == "__all__":
                used = list(connections)
            if not used:
                continue
            serialize = bool(getattr(test, "serialized_rollback", False))
            for alias in used:
                aliases[alias] = aliases.get(alias, False) or serialize
        return cls(aliases)


def _vendor_display(connection) -> str:
    settings = connection.settings_dict
    where = settings.get("HOST") or "local socket"
    if settings.get("PORT"):
        where = f"{where}:{settings['PORT']}"
    return f"{connection.vendor} at {where}"


# How long the runner waits for a database server to answer its check, when
# DATABASES[alias]["OPTIONS"] sets no connect_timeout.
CONNECT_TIMEOUT = 10


def _connect_timeout(connection) -> float:
    given = (connection.settings_dict.get("OPTIONS") or {}).get("connect_timeout")
    try:
        return float(given) if given and float(given) > 0 else CONNECT_TIMEOUT
    except (TypeError, ValueError):
        return CONNECT_TIMEOUT


# Drivers known to take a ``connect_timeout`` connection option, in seconds.
_CONNECT_TIMEOUT_DRIVERS = frozenset({"psycopg", "psycopg2", "MySQLdb"})


def bound_connects(aliases: Iterable[str], seconds: float | None) -> None:
    """Give the connections of ``aliases`` a connect timeout of ``seconds``
    where the project set none and the driver takes one.

    libpq and mysqlclient wait for ever for a server that accepts the
    connection and never answers; every connection a run makes (creating,
    migrating, cloning, dropping, a worker's first query) would hang with
    it. Set for the whole run, in the parent and in each worker, so the
    settings a test sees are the same in both. Another driver, or
    ``OPTIONS`` that is not a mapping, is left as it is.
    """
    if not seconds:
        return
    for alias in aliases:
        connection = connections[alias]
        driver = getattr(getattr(connection, "Database", None), "__name__", None)
        if driver not in _CONNECT_TIMEOUT_DRIVERS:
            continue
        options = connection.settings_dict.get("OPTIONS") or {}
        try:
            if "connect_timeout" in options:
                continue
            bounded = {**options, "connect_timeout": max(1, math.ceil(seconds))}
        except TypeError:
            continue
        connection.settings_dict["OPTIONS"] = bounded


def unanswered_server(aliases: Iterable[str]) -> RunnerError | None:
    """The one-line error of the first server among ``aliases`` that no
    longer answers, or None when each does (or is not a server)."""
    for alias in aliases:
        try:
            check_server(alias)
        except RunnerError as exc:
            return exc
    return None


def _probe(connection, timeout: float):
    """A copy of ``connection`` for the runner's check, with a connect
    timeout for the drivers that take one; the test connections keep the
    project's settings untouched."""
    settings_dict = dict(connection.settings_dict)
    options = dict(settings_dict.get("OPTIONS") or {})
    # A pool is the tests' business, not a one-query check's.
    options.pop("pool", None)
    if connection.vendor in ("postgresql", "mysql"):
        # Both psycopg and mysqlclient take whole seconds.
        options["connect_timeout"] = max(1, int(timeout))
    settings_dict["OPTIONS"] = options
    return type(connection)(settings_dict, alias=connection.alias)


def check_server(alias: str) -> None:
    """Fail with one line when a client/server database does not answer.

    Without this the first sign is a wall of driver traceback from deep inside
    test database creation (and on PostgreSQL a warning about the fallback
    database before it); and a server that accepts the connection and never
    answers would hang the run. The check runs in a thread the run waits for
    a bounded time: a driver blocked in C (mysqlclient retries a read that a
    signal interrupts) cannot keep Ctrl-C or SIGTERM from ending the run.
    """
    connection = connections[alias]
    # Only backends whose "no database" connection is known to work this way;
    # others report their own errors when the test database is created.
    if connection.vendor not in ("postgresql", "mysql", "oracle"):
        return
    timeout = _connect_timeout(connection)
    outcome: list[BaseException | None] = []

    def check() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probe = _probe(connection, timeout)
                with probe._nodb_cursor() as cursor:
                    cursor.execute("SELECT 1")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=check, daemon=True, name="django_parallel-check")
    thread.start()
    # The driver's own timeout ends the thread first, but PostgreSQL's
    # fallback to another database may connect once more: the run stops
    # waiting after the bound whatever the driver does.
    thread.join(timeout + 2)
    if not outcome:
        raise RunnerError(
            f"the database server for alias {alias!r} "
            f"({_vendor_display(connection)}) did not answer within "
            f"{timeout:g} s; check that it is up and reachable, or correct "
            f"DATABASES[{alias!r}] (OPTIONS connect_timeout sets this bound)"
        )
    exc = outcome[0]
    if exc is not None:
        reason = first_line(exc) or type(exc).__name__
        raise RunnerError(
            f"cannot connect to the database server for alias {alias!r} "
            f"({_vendor_display(connection)}): {reason}. Start the server or "
            f"correct DATABASES[{alias!r}]"
        ) from None


def check_sqlite_directory(alias: str) -> None:
    """Fail with one line when an SQLite test database file (and its clones
    and journals, which go beside it) cannot be created where it would go,
    rather than with SQLite's traceback from inside the migrations."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return
    name = connection.creation._get_test_db_name()
    if connection.creation.is_in_memory_db(name):
        return
    directory = os.path.dirname(os.path.abspath(name))
    try:
        # Trying is the only sure test: access() ignores read-only mounts.
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".django_parallel-probe-")
    except OSError as exc:
        raise RunnerError(
            f"cannot create the SQLite test database of alias {alias!r} at "
            f"{name!r} ({exc.strerror}); make {directory!r} writable, or set "
            f"DATABASES[{alias!r}]['TEST']['NAME'] to a file in a writable "
            "directory"
        ) from None
    try:
        os.close(fd)
    finally:
        os.remove(probe)


def _create(
    connection,
    *,
    verbosity: int,
    interactive: bool,
    keepdb: bool,
    created: list[CreatedDatabase],
    old_name: str,
    cache=None,
    pending: list | None = None,
) -> tuple[str | None, bool]:
    """Create the test database of ``connection``: copied from the
    migrated-database cache when ``cache`` (an adapter) holds its current
    fingerprint, else migrated, and then cached. Returns the cache entry
    the test database is a copy of, if any, and whether it was copied; an
    exported entry it was loaded from, whose entry is still to be loaded,
    is added to ``pending``."""
    pending = [] if pending is None else pending
    test_name = connection.creation._get_test_db_name()
    location = entry = None
    restored = False
    if cache is not None:
        entry = cache_entry(connection, cache, verbosity)
    if entry is not None:
        location, fingerprint_ = entry
    try:
        if location is not None and not cache.cached(location):
            # A CI job's fresh server, with .django_parallel/ restored. With
            # spare copies, only the copy this run's test database is taken
            # from is loaded now; the entry is loaded while the tests run.
            imported = import_entry(
                connection,
                cache,
                location,
                fingerprint_,
                verbosity,
                spare_only=cache.supports_spare,
            )
            if imported is not None and cache.supports_spare:
                pending.append(imported)
        if location is not None and (pending or cache.cached(location)):
            _restore(
                connection,
                cache,
                location,
                verbosity,
                interactive,
                test_name,
                pending[0] if pending else None,
            )
            restored = True
        else:
            connection.creation.create_test_db(
                verbosity=verbosity,
                autoclobber=not interactive,
                keepdb=keepdb,
                **CREATE_TEST_DB_KWARGS,
            )
            if location is not None:
                cache.save_cache(location)
                # The old entries' serialized contents go with them.
                drop_serialized(
                    connection.alias, keep=serialized_path(connection.alias, location)
                )
                if not cache.cached(location):
                    location = None  # Not cacheable (MariaDB views, say).
    except BaseException:
        # The connection is renamed only once the database exists; if it got
        # that far (migrate failed, say), the database is ours to drop.
        if connection.settings_dict["NAME"] == test_name and test_name != old_name:
            created.append(CreatedDatabase(connection, old_name, True))
        raise
    created.append(CreatedDatabase(connection, old_name, True))
    return location, restored


@contextmanager
def _no_phase(name: str, kind: str) -> Iterator[SimpleNamespace]:
    yield SimpleNamespace(name=name, kind=kind)


def _restore(
    connection, cache, location, verbosity, interactive, test_name, imported=None
) -> None:
    """What create_test_db does, with the cache in place of migrations.
    With ``imported``, the entry is not on the server yet, only its spare."""
    if verbosity >= 1:
        display = connection.creation._get_database_display_str(verbosity, test_name)
        connection.creation.log(
            f"Creating test database for alias {display} from the migrated-database "
            "cache..."
        )
    if cache.take_spare(location, test_name, 0):
        _use_test_database(connection, test_name)
        return
    if imported is not None and not cache.cached(location):
        # Another run took the loaded spare: load the entry itself now.
        cache.load_entry(location, imported.path, imported.details)
    test_settings = connection.settings_dict["TEST"]
    template = test_settings.get("TEMPLATE")
    if connection.vendor == "postgresql":
        test_settings["TEMPLATE"] = location
    try:
        connection.creation._create_test_db(verbosity, not interactive, keepdb=False)
    finally:
        if connection.vendor == "postgresql":
            test_settings["TEMPLATE"] = template
    connection.close()
    _use_test_database(connection, test_name)
    cache.load_cache(location)


def _use_test_database(connection, test_name: str) -> None:
    """Point the connection at the test database, as create_test_db does."""
    django_settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()
    if os.environ.get("RUNNING_DJANGOS_TEST_SUITE") == "true":
        connection.creation.mark_expected_failures_and_skips()


def _serialized(connection, location: str | None) -> str:
    """The database serialized for serialized_rollback; for a copy of cache
    entry ``location``, kept with the cache and serialized only once."""
    path = serialized_path(connection.alias, location) if location else None
    if path is None:
        return connection.creation.serialize_db_to_string()
    contents = load_serialized(path)
    if contents is None:
        contents = connection.creation.serialize_db_to_string()
        try:
            save_serialized(path, connection.alias, contents)
        except OSError:
            pass  # Serialized again next time.
    return contents


def clear_caches(aliases, *, log=print) -> list[str]:
    """Drop the migrated-database cache entries of ``aliases``, with their
    spare copies and kept serialized contents, naming each; return them."""
    dropped = []
    for alias in aliases:
        adapter = adapter_for(connections[alias])
        if not adapter.supports_cache:
            continue
        check_server(alias)
        try:
            names = adapter.clear_cache()
            files = drop_serialized(alias) + drop_exports(adapter)
        except Exception as exc:
            raise RunnerError(
                f"cannot clear the migrated-database cache of alias {alias!r}: "
                f"{first_line(exc) or type(exc).__name__}"
            ) from None
        for name in names:
            log(f"Dropped cached test database {name}.")
        for path in files:
            log(f"Dropped cached file {path}.")
        dropped += names + files
    if not dropped:
        log("No migrated-database cache entries to drop.")
    return dropped


def setup_databases(
    usage: DatabaseUsage,
    *,
    verbosity: int,
    interactive: bool,
    keepdb: bool = False,
    debug_sql: bool = False,
    time_keeper=None,
    parallel: int = 0,
    workspace: str | None = None,
    db_cache: bool = False,
    phase=None,
) -> list:
    """Create (or with keepdb, reuse) the test databases ``usage`` needs, and
    with ``parallel`` above 1, that many clones of each (``Clones`` entries).

    If anything fails part-way, what was created so far is dropped before the
    exception propagates, so a failed start leaves nothing behind.

    ``phase(name, kind)``, when given, times each creation and cloning as a
    phase of the run's timeline (``TimelineRecorder.phase``).
    """
    time_keeper = time_keeper or NullTimeKeeper()
    phase = phase or _no_phase
    unique, mirrors = get_unique_databases_and_mirrors(usage.aliases)
    created: list[CreatedDatabase] = []
    serialize = []
    try:
        for alias in sorted({aliases[0] for _, aliases in unique.values()}):
            check_server(alias)
            check_sqlite_directory(alias)
        for old_name, aliases in unique.values():
            primary = connections[aliases[0]]
            cache = None
            if db_cache and not keepdb:
                cache = adapter_for(primary, verbosity=verbosity)
                cache = cache if cache.supports_cache else None
            pending: list[ExportedEntry] = []
            with (
                time_keeper.timed(f"  Creating '{aliases[0]}'"),
                phase(f"migrate '{aliases[0]}'", "database") as timed,
            ):
                location, restored = _create(
                    primary,
                    verbosity=verbosity,
                    interactive=interactive,
                    keepdb=keepdb,
                    created=created,
                    old_name=old_name,
                    cache=cache,
                    pending=pending,
                )
                if restored:
                    timed.name, timed.kind = f"'{aliases[0]}' from cache", "cache"
            if aliases[0] in usage.serialized_aliases:
                serialize.append((primary, location))
            if parallel > 1:
                adapter = adapter_for(
                    primary,
                    keepdb=keepdb,
                    verbosity=verbosity,
                    staging_dir=workspace,
                    spare_source=location,
                )
                created.append(Clones(adapter, parallel))
                if verbosity >= 1:
                    print(
                        f"Cloning test database for alias {aliases[0]!r} "
                        f"{parallel} times...",
                        file=sys.stderr,
                    )
                with (
                    time_keeper.timed(f"  Cloning '{aliases[0]}'"),
                    phase(f"clone '{aliases[0]}' ×{parallel}", "clone"),
                ):
                    adapter.create_clones(range(1, parallel + 1))
            if location is not None and cache.supports_spare:
                # Made while the tests run: the next run takes them.
                last = min(parallel if parallel > 1 else 0, cache.max_spare_number)
                numbers = list(range(0, last + 1))
                created.append(
                    SpareCopies(
                        cache, location, numbers, pending[0] if pending else None
                    )
                )
            for alias in aliases[1:]:
                # Another alias pointing at the same database: share it.
                created.append(CreatedDatabase(connections[alias], old_name, False))
                connections[alias].creation.set_as_test_mirror(primary.settings_dict)
        for alias, mirror_of in mirrors.items():
            connections[alias].creation.set_as_test_mirror(
                connections[mirror_of].settings_dict
            )
        # Serialize last so that routers and mirrors see every database.
        for connection, location in serialize:
            connection._test_serialized_contents = _serialized(connection, location)
    except BaseException as exc:
        # A server that stopped answering (a connect that timed out, a
        # connection it dropped) is one line saying so, not the driver's
        # traceback from wherever the run had got to.
        lost = (
            unanswered_server(sorted({a[0] for _, a in unique.values()}))
            if isinstance(exc, Exception) and not isinstance(exc, RunnerError)
            else None
        )
        try:
            teardown_databases(created, verbosity=verbosity, keepdb=keepdb)
        except Exception:
            if lost is None:
                raise
        if lost is not None:
            raise lost from None
        raise
    if debug_sql:
        for alias in connections:
            connections[alias].force_debug_cursor = True
    return created


def teardown_databases(
    created: list,
    *,
    verbosity: int,
    keepdb: bool = False,
    on_error: Callable[[str], None] | None = None,
) -> None:
    """Drop every database this run created (keepdb keeps them).

    Every database is attempted even if one fails; the first failure is
    raised at the end.
    """
    first_error = None
    for entry in created:
        if isinstance(entry, SpareCopies):
            entry.finish()
    created = [e for e in created if not isinstance(e, SpareCopies)]
    # Clones go first: a template cannot be dropped while copies are made.
    ordered = [e for e in created if isinstance(e, Clones)] + [
        e for e in created if not isinstance(e, Clones)
    ]
    for entry in ordered:
        if isinstance(entry, Clones):
            try:
                entry.adapter.destroy_clones()
            except Exception as exc:
                first_error = first_error or exc
                _report(
                    on_error,
                    f"could not drop the clones of {entry.adapter.alias!r}: {exc}",
                )
            continue
        connection, old_name, destroy = (
            (entry.connection, entry.old_name, entry.destroy)
            if isinstance(entry, CreatedDatabase)
            else entry
        )
        if not destroy:
            continue
        try:
            _destroy(connection, old_name, verbosity, keepdb)
        except Exception as exc:
            _report(
                on_error,
                f"could not drop the test database of {connection.alias!r}: {exc}",
            )
            first_error = first_error or exc
    if first_error is not None:
        raise first_error


def _destroy(connection, old_name: str, verbosity: int, keepdb: bool) -> None:
    """Django's destroy_test_db, and on SQLite what is left beside the file:
    the journal of a process killed in a transaction (a worker, or the run
    itself) would otherwise outlive the database."""
    test_name = connection.settings_dict["NAME"]
    sqlite_file = connection.vendor == "sqlite" and not (
        connection.creation.is_in_memory_db(test_name)
    )
    if sqlite_file and not keepdb and not os.path.exists(test_name):
        # Never made (its directory is not writable, say): nothing to drop.
        connection.close()
        _use_old_name(connection, old_name)
        return
    connection.creation.destroy_test_db(old_name, verbosity, keepdb)
    if sqlite_file and not keepdb:
        from django_parallel.backends.sqlite3 import remove_companions

        remove_companions(test_name)


def _use_old_name(connection, old_name: str) -> None:
    django_settings.DATABASES[connection.alias]["NAME"] = old_name
    connection.settings_dict["NAME"] = old_name


def _report(on_error, message: str) -> None:
    if on_error is not None:
        on_error(message)
    else:
        print(f"django-parallel: {message}", file=sys.stderr)


def uncloneable_aliases(aliases) -> list[str]:
    """The aliases among ``aliases`` whose backend cannot clone databases."""
    return [
        alias
        for alias in aliases
        if not connections[alias].settings_dict["TEST"].get("MIRROR")
        and not adapter_for(connections[alias]).can_clone
    ]
