"""The clone adapter protocol, and the fallback for backends that cannot clone."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from django_parallel.errors import RunnerError

CACHE_MARKER = "_dpcache_"
FINGERPRINT_CHARS = 12
# Spares are numbered 0 (the test database) and 1..N (worker clones); cache
# names leave room for this many.
MAX_SPARE_NUMBER = 9999


@dataclass(frozen=True)
class WorkerDatabase:
    """How a worker reaches its copy of one alias's test database.

    ``settings`` is merged into the worker connection's settings_dict;
    ``load_from`` names a staging file to load into an in-memory database.
    """

    alias: str
    settings: dict
    load_from: str | None = None


@dataclass
class CloneAdapter:
    """Makes per-worker clones of one test database and drops them again.

    Subclasses implement ``_make`` and ``_drop`` for one backend. The adapter
    remembers what it created, so ``destroy_clones`` never drops a database
    or deletes a file this run did not make (with keepdb, it keeps them).
    """

    connection: object
    keepdb: bool = False
    verbosity: int = 1
    staging_dir: str | None = None
    log: Callable[[str], None] = print
    created: list[str] = field(default_factory=list)
    # The cache entry the test database is an unchanged copy of, whose
    # spare copies can become clones.
    spare_source: str | None = None

    can_clone = False

    @property
    def alias(self) -> str:
        return self.connection.alias

    @property
    def test_name(self) -> str:
        return self.connection.settings_dict["NAME"]

    # The server's limit on a database name, in bytes (None: no limit); a
    # longer name is cut by the server (PostgreSQL) or refused (MySQL).
    name_limit: ClassVar[int | None] = None

    def clone_name(self, slot: int) -> str:
        """``<test database>_<slot>``, as Django names clones. Where that is
        past ``name_limit``, the test name is cut and a hash of it added, so
        that no two slots' clones share a name once the server cuts it."""
        name = f"{self.test_name}_{slot}"
        if self.name_limit is None or len(name.encode()) <= self.name_limit:
            return name
        digest = hashlib.sha256(self.test_name.encode()).hexdigest()[:8]
        suffix = f"_{digest}_{slot}"
        room = self.name_limit - len(suffix)
        return self.test_name.encode()[:room].decode(errors="ignore") + suffix

    def worker_database(self, slot: int) -> WorkerDatabase:
        return WorkerDatabase(self.alias, {"NAME": self.clone_name(slot)})

    # What the runner writes on each clone it makes (a database comment, an
    # SQLite application id), so that it never takes a database someone
    # else made at a clone's name for one of its own.
    MARKER = "django-parallel clone"
    # Why a clone cannot be told from a stranger's, on a backend or server
    # that keeps no marker.
    unmarked_reason = ""

    # What the runner writes on each database of the migrated-database
    # cache it makes on a server (entries, spares, half-made ones), so that a
    # database someone else made at such a name is never used or dropped.
    CACHE_OWNER = "django-parallel cache"

    def owns(self, name: str) -> bool:
        """Whether the existing database ``name`` carries the clone marker."""
        return False

    def cache_databases(self, names: Iterable[str]) -> set[str]:
        """Those of ``names`` that exist and carry the cache marker (on a
        server that keeps no marker, those that exist)."""
        raise NotImplementedError

    def mark(self, name: str) -> None:
        """Write the clone marker on the clone ``name``, just made."""

    def check_replaceable(self, name: str) -> None:
        """An existing database at a clone's name is replaced only when it
        is a clone the runner made (it carries the marker) and --keepdb
        asks to reuse clones; anything else is left alone, and the run
        ends with one line saying what to do."""
        if not self.owns(name):
            raise RunnerError(
                f"a database named {name!r} already exists where a clone of "
                f"the test database of {self.alias!r} would go, and it is not "
                f"one django-parallel made{self.unmarked_reason}; it is left "
                "alone: drop or rename it, or give the test database another "
                f"name (DATABASES[{self.alias!r}]['TEST']['NAME'])"
            )
        if not self.keepdb:
            raise RunnerError(
                f"a clone of the test database named {name!r} already exists "
                "(kept by a --keepdb run, or left by an interrupted one); run "
                "with --keepdb to reuse and rebuild it, or drop it"
            )

    def record(self, name: str) -> None:
        """Count ``name`` as this run's to drop. Called before the database
        is made: one interrupted half way (a MariaDB clone with some of its
        tables) is dropped too, as drops do nothing for a missing name."""
        if name not in self.created:
            self.created.append(name)

    def create_clones(self, slots: Iterable[int]) -> None:
        raise RunnerError(
            f"the {self.connection.vendor} backend of database {self.alias!r} "
            "cannot clone test databases; run with --parallel 1"
        )

    # The migrated-database cache (see dbcache.py). ``location`` is a
    # database name or a file path, from ``cache_location``.

    supports_cache = False

    def cache_location(self, fingerprint: str) -> str:
        raise NotImplementedError

    def cached(self, location: str) -> bool:
        raise NotImplementedError

    def save_cache(self, location: str) -> None:
        """Keep a copy of the freshly migrated test database at ``location``,
        dropping the entries of this database with other fingerprints."""
        raise NotImplementedError

    def load_cache(self, location: str) -> None:
        """Fill the just-created, empty test database from ``location``."""
        raise NotImplementedError

    def clear_cache(self) -> list[str]:
        """Drop every cache entry of this database; return what was dropped."""
        raise NotImplementedError

    # Spare copies of a cache entry, made in the background while a run's
    # tests run, that the next run takes in place of copying the entry:
    # number 0 becomes its test database, number N its clone for slot N.

    supports_spare = False

    def take_spare(self, location: str, name: str, number: int = 0) -> bool:
        """Turn spare ``number`` of ``location`` into the database ``name``;
        False when there is no such spare (or ``name`` exists)."""
        return False

    def make_spare(self, location: str, number: int = 0) -> None:
        """Make spare ``number`` of ``location`` for the next run."""

    # Exported entries (``manage.py test_db_cache export``): a file made by
    # the server's own dump program, which a run on another server (a CI
    # job's) loads instead of migrating. Empty: this backend's entries are
    # files already (SQLite), or cannot be exported.
    dump_suffix = ""

    def dump_entry(self, location: str, path: str) -> dict:
        """Write cache entry ``location`` to the file ``path``; return what
        loading it needs besides the file (the database's encoding, say)."""
        raise NotImplementedError

    def load_entry(self, location: str, path: str, details: dict) -> bool:
        """Make cache entry ``location`` from the file ``path`` that
        ``dump_entry`` wrote; False when an entry appeared meanwhile."""
        return self.load_file(
            path, details, into=location, loading=self.spare_name(location, kind="load")
        )

    def load_spare(self, location: str, path: str, details: dict) -> bool:
        """Make spare 0 of ``location`` (the copy the test database is taken
        from) from the file ``path``, without the entry itself: a fresh
        server's first run loads its test database this way, and the entry
        while its tests run; False when such a spare appeared meanwhile."""
        return self.load_file(
            path,
            details,
            into=self.spare_name(location),
            loading=self.spare_name(location, 1, kind="load"),
        )

    def load_file(self, path: str, details: dict, into: str, loading: str) -> bool:
        """Load the file ``path`` into a new database ``loading``, then give
        it the name ``into`` at once, unless ``into`` exists by then (False).
        ``loading`` is dropped on any failure."""
        raise NotImplementedError

    def spare_name(self, location: str, number: int = 0, kind: str = "next") -> str:
        # Cache names leave room for this suffix (see cache_stem).
        return f"{location}_{kind}{number or ''}"

    def is_spare_of(self, name: str, location: str) -> bool:
        return re.fullmatch(re.escape(location) + r"_next\d*", name) is not None

    # Server cache names must fit the backend's identifier limit, and stay
    # recognisable whatever the test database's name: the marker and the
    # fingerprint are never cut, the test name is.
    cache_name_limit = 63
    cache_marker = CACHE_MARKER
    max_spare_number = MAX_SPARE_NUMBER

    def cache_stem(self) -> str:
        """``<test database>_dpcache_``; a test name too long to leave room
        for a fingerprint and a spare's suffix within ``cache_name_limit``
        bytes is cut, and ends with a hash of the whole name instead, so
        that two long names never share entries."""
        room = (
            self.cache_name_limit
            - len(CACHE_MARKER)
            - FINGERPRINT_CHARS
            - len(f"_next{MAX_SPARE_NUMBER}")
        )
        name = self.cache_test_name
        encoded = name.encode()
        if len(encoded) > room:
            digest = hashlib.sha256(encoded).hexdigest()[:8]
            head = encoded[: room - len(digest) - 1].decode(errors="ignore")
            name = f"{head}_{digest}"
        return f"{name}{CACHE_MARKER}"

    def server_cache_name(self, fingerprint: str) -> str:
        return self.cache_stem() + fingerprint[:FINGERPRINT_CHARS]

    def is_cache_name(self, name: str) -> bool:
        """Whether ``name`` is one of this test database's cache entries, or
        a spare (or a spare in the making) of one."""
        stems = [self.cache_stem()]
        # Earlier development versions cut "<test name>_dpcache_" itself to
        # the limit less 20, losing the marker of long names; such entries
        # are recognised too, so that a clear drops what they leaked.
        legacy = f"{self.cache_test_name}{CACHE_MARKER}"
        if len(legacy) > self.cache_name_limit - 20:
            stems.append(legacy[: self.cache_name_limit - 20])
        return any(
            re.fullmatch(
                re.escape(stem)
                + f"[0-9a-f]{{{FINGERPRINT_CHARS}}}"
                + r"(?:_(?:next|part|load)\d*)?",
                name,
            )
            for stem in stems
        )

    def stale_cache_candidates(
        self, names: Iterable[str], keep: str | None
    ) -> list[str]:
        """Among ``names``, those named as this test database's cache
        entries to drop: all, or all but ``keep`` and its spares."""
        return [
            name
            for name in names
            if self.is_cache_name(name)
            and (not keep or (name != keep and not self.is_spare_of(name, keep)))
        ]

    def stale_cache_names(self, names: Iterable[str], keep: str | None) -> list[str]:
        """The ``stale_cache_candidates`` that the runner marked as its own
        (asked of the server)."""
        stale = self.stale_cache_candidates(names, keep)
        owned = self.cache_databases(stale) if stale else set()
        return [name for name in stale if name in owned]

    def __post_init__(self) -> None:
        # Cache entries are named after the test database. Once it exists,
        # the connection's NAME is the test name and Django would derive
        # "test_test_..." from it, so the name is taken now; cache adapters
        # are made before the test database is.
        self.cache_test_name = self.connection.creation._get_test_db_name()

    def take_spare_clones(self, slots: list[int], targets: list[str]) -> list[str]:
        """The targets made from spare copies of ``spare_source``."""
        if not self.spare_source or not self.supports_spare:
            return []
        for name in targets:
            self.record(name)
        taken = self.take_spares(
            self.spare_source, list(zip(slots, targets, strict=True))
        )
        for name in taken:
            self.mark(name)
        return taken

    def take_spares(self, location: str, wanted: list[tuple[int, str]]) -> list[str]:
        """``take_spare`` for each (number, name) pair; the names made."""
        return [
            name for number, name in wanted if self.take_spare(location, name, number)
        ]

    def destroy_clones(self) -> None:
        if self.keepdb:
            return
        errors = run_concurrently(self._drop, list(self.created))
        self.created.clear()
        if errors:
            raise errors[0]


# How long an interrupted creation waits for the copies already under way,
# so that what they make is dropped with the rest.
FINISH_SECONDS = 60.0


def run_concurrently(
    function: Callable, items: list, limit: int = 8, *, finish: bool = False
) -> list:
    """Call ``function`` on every item in threads; return the exceptions.

    When the wait is interrupted (Ctrl-C, SIGTERM) no further item starts;
    with ``finish`` (for creations) the calls under way are waited for, for
    up to ``FINISH_SECONDS``, so that a database still being made when the
    run decided to clean up exists by the time it is dropped. Drops do not
    wait: a second Ctrl-C abandons a clean-up that hangs.
    """
    if len(items) <= 1:
        errors = []
        for item in items:
            try:
                function(item)
            except Exception as exc:
                errors.append(exc)
        return errors
    # Daemon threads, not an executor's: an executor joins its threads at
    # interpreter exit, so a clean-up abandoned by Ctrl-C (a DROP DATABASE
    # waiting on a lock) would keep the process alive.
    pending = list(items)
    errors: list = []
    lock = threading.Lock()

    finished: list[threading.Event] = []

    def work(done: threading.Event) -> None:
        try:
            while True:
                with lock:
                    if not pending:
                        return
                    item = pending.pop(0)
                try:
                    function(item)
                except Exception as exc:
                    with lock:
                        errors.append(exc)
        finally:
            done.set()

    # Events, not Thread.join: a join that a signal interrupts marks a
    # thread still running as finished (CPython's bpo-45274 handling), and
    # every later join returns at once. Threads start inside the try: the
    # first one may be at work before the last one is started.
    try:
        for _ in range(min(limit, len(items))):
            done = threading.Event()
            finished.append(done)
            threading.Thread(
                target=work, args=(done,), daemon=True, name="django_parallel-db"
            ).start()
        for done in finished:
            done.wait()
    except BaseException:
        with lock:
            pending.clear()
        if finish:
            deadline = time.monotonic() + FINISH_SECONDS
            for done in finished:
                done.wait(max(0.0, deadline - time.monotonic()))
        raise
    return errors
