"""The clone adapter protocol, and the fallback for backends that cannot clone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django_parallel.errors import RunnerError


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

    def clone_name(self, slot: int) -> str:
        return f"{self.test_name}_{slot}"

    def worker_database(self, slot: int) -> WorkerDatabase:
        return WorkerDatabase(self.alias, {"NAME": self.clone_name(slot)})

    # What the runner writes on each clone it makes (a database comment, an
    # SQLite application id), so that it never takes a database someone
    # else made at a clone's name for one of its own.
    MARKER = "django-parallel clone"
    # Why a clone cannot be told from a stranger's, on a backend or server
    # that keeps no marker.
    unmarked_reason = ""

    def owns(self, name: str) -> bool:
        """Whether the existing database ``name`` carries the clone marker."""
        return False

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

    def spare_name(self, location: str, number: int = 0, kind: str = "next") -> str:
        # Cache locations leave room for this suffix (see server_cache_name).
        return f"{location}_{kind}{number or ''}"

    def is_spare_of(self, name: str, location: str) -> bool:
        return name.startswith(f"{location}_next")

    def server_cache_name(self, fingerprint: str, limit: int) -> str:
        """``<test database>_dpcache_<hash>``, the test name shortened to fit
        with room for a spare's suffix (``_next123``)."""
        prefix = self.cache_prefix
        return prefix[: limit - 20] + fingerprint[:12]

    def __post_init__(self) -> None:
        # Cache entries are named after the test database. Once it exists,
        # the connection's NAME is the test name and Django would derive
        # "test_test_..." from it, so the name is taken now; cache adapters
        # are made before the test database is.
        self.cache_prefix = f"{self.connection.creation._get_test_db_name()}_dpcache_"

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
