"""SQLite clones: file copies beside a file test database; for an in-memory
test database, one private staging file that each worker loads into its own
memory with SQLite's backup API."""

from __future__ import annotations

import os
import shutil
import sqlite3

from django_parallel.backends.base import CloneAdapter, WorkerDatabase, run_concurrently


class SQLiteCloneAdapter(CloneAdapter):
    can_clone = True

    @property
    def in_memory(self) -> bool:
        return self.connection.is_in_memory_db()

    def clone_name(self, slot: int) -> str:
        if self.in_memory:
            return f"file:memorydb_{self.alias}_{slot}?mode=memory&cache=shared"
        root, ext = os.path.splitext(self.test_name)
        return f"{root}_{slot}{ext}"

    @property
    def staging_file(self) -> str:
        return os.path.join(self.staging_dir, f"{self.alias}.sqlite3")

    def worker_database(self, slot: int) -> WorkerDatabase:
        if self.in_memory:
            return WorkerDatabase(
                self.alias, {"NAME": self.clone_name(slot)}, self.staging_file
            )
        return WorkerDatabase(self.alias, {"NAME": self.clone_name(slot)})

    def create_clones(self, slots) -> None:
        if self.in_memory:
            self._stage()
            return
        self.connection.close()
        errors = run_concurrently(self._copy, list(slots), finish=True)
        if errors:
            raise errors[0]

    def _stage(self) -> None:
        """Back the in-memory database up into the private staging file."""
        self.connection.ensure_connection()
        # Owner-only from the first byte: the directory is private too.
        fd = os.open(self.staging_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        target = sqlite3.connect(self.staging_file)
        try:
            self.connection.connection.backup(target)
        finally:
            target.close()

    def _copy(self, slot: int) -> None:
        target = self.clone_name(slot)
        if os.path.exists(target):
            self.check_replaceable(target)
        self.record(target)
        # A journal left beside an earlier clone (a worker killed in a
        # transaction) would be rolled back into the new copy.
        remove_companions(target)
        shutil.copyfile(self.test_name, target)
        self.mark(target)

    # The clone marker: SQLite's application id, a number in the file's
    # header that Django leaves at 0 ("dpcl").
    APPLICATION_ID = int.from_bytes(b"dpcl", "big")

    def owns(self, name: str) -> bool:
        # Read from the header, not through SQLite: opening a stranger's
        # file would roll back a journal left beside it.
        try:
            with open(name, "rb") as file:
                header = file.read(100)
        except OSError:
            return False
        return (
            header.startswith(b"SQLite format 3\0")
            and int.from_bytes(header[68:72], "big") == self.APPLICATION_ID
        )

    def mark(self, name: str) -> None:
        database = sqlite3.connect(name)
        try:
            database.execute(f"PRAGMA application_id = {self.APPLICATION_ID}")
            database.commit()
        finally:
            database.close()

    supports_cache = True

    def cache_location(self, fingerprint: str) -> str:
        from django_parallel.dbcache import cache_dir

        return os.path.join(cache_dir(), f"{self.alias}-{fingerprint[:16]}.sqlite3")

    def cached(self, location: str) -> bool:
        return os.path.exists(location)

    def save_cache(self, location: str) -> None:
        self._drop_cache_files(keep=location)
        os.makedirs(os.path.dirname(location), exist_ok=True)
        partial = f"{location}.partial-{os.getpid()}"
        self.connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            self.connection.connection.backup(target)
        finally:
            target.close()
        # Readers never see a half-written entry.
        os.replace(partial, location)

    def load_cache(self, location: str) -> None:
        self.connection.ensure_connection()
        source = sqlite3.connect(f"file:{location}?mode=ro", uri=True)
        try:
            source.backup(self.connection.connection)
        finally:
            source.close()

    def clear_cache(self) -> list[str]:
        return self._drop_cache_files(keep=None)

    def _drop_cache_files(self, keep: str | None) -> list[str]:
        from django_parallel.dbcache import drop_cache_files

        return drop_cache_files(self.alias, keep, serialized=False)

    def _drop(self, name: str) -> None:
        if os.path.exists(name):
            os.remove(name)
        remove_companions(name)


# The files SQLite keeps beside a database while it is open or after a
# process died in a transaction.
COMPANIONS = ("-journal", "-wal", "-shm")


def remove_companions(name: str) -> None:
    """Remove the journal and WAL files beside the database file ``name``
    (which is gone, or about to be replaced)."""
    for suffix in COMPANIONS:
        try:
            os.remove(name + suffix)
        except FileNotFoundError:
            pass
