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
        errors = run_concurrently(self._copy, list(slots))
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
        shutil.copyfile(self.test_name, target)
        self.created.append(target)

    def _drop(self, name: str) -> None:
        if os.path.exists(name):
            os.remove(name)
