"""MariaDB/MySQL clones, copied inside the server: each table is re-created
from ``SHOW CREATE TABLE`` and filled with ``INSERT ... SELECT``, all clones
at once. No dump leaves the server, unlike Django's ``mysqldump | mysql`` per
clone. A database with views, triggers or routines, which such a copy would
miss, is cloned the way Django does it."""

from __future__ import annotations

import os
import re

from django_parallel.backends.base import CloneAdapter, run_concurrently
from django_parallel.backends.clients import (
    ClientUnavailable,
    client_options,
    find_program,
    run_program,
)

# A character set or collation name, nothing to quote.
_CHARSET_NAME = re.compile(r"[A-Za-z0-9_]+")


class MySQLCloneAdapter(CloneAdapter):
    can_clone = True

    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _cursor(self):
        return self.connection.creation._nodb_cursor()

    def _read_schema(self, source: str) -> bool:
        """Read what copying ``source`` needs; False if a table-by-table copy
        would miss something (views, triggers, routines, events)."""
        with self._cursor() as cursor:
            if self._has_extras(cursor, source):
                return False
            cursor.execute(
                "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
                "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                [source],
            )
            self._charset, self._collation = cursor.fetchone()
            cursor.execute(
                "SELECT TABLE_NAME FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'",
                [source],
            )
            tables = [table for (table,) in cursor.fetchall()]
            cursor.execute(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = %s AND COALESCE(GENERATION_EXPRESSION, '') = '' "
                "ORDER BY TABLE_NAME, ORDINAL_POSITION",
                [source],
            )
            columns: dict[str, list[str]] = {}
            for table, column in cursor.fetchall():
                columns.setdefault(table, []).append(self._quote(column))
            self._tables = []
            for table in tables:
                name = f"{self._quote(source)}.{self._quote(table)}"
                cursor.execute(f"SHOW CREATE TABLE {name}")
                create = cursor.fetchone()[1]
                # Most tables of a fresh test database are empty: no copy.
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")
                filled = bool(cursor.fetchone()[0])
                copied = ", ".join(columns[table]) if filled else None
                self._tables.append((table, create, copied))
        return True

    def create_clones(self, slots) -> None:
        # Read before the copying threads need it.
        self.can_mark  # noqa: B018
        self.connection.close()
        slots = list(slots)
        targets = [self.clone_name(slot) for slot in slots]
        # Checked before either way of copying: Django's own drops an
        # existing database without asking.
        with self._cursor() as cursor:
            existing = self._existing(cursor)
        for name in targets:
            if name in existing:
                self.check_replaceable(name)
                self._drop(name)
        for name in targets:
            self.record(name)
        if not self._read_schema(self.test_name):
            return self._clone_like_django(slots)
        taken = self.take_spare_clones(slots, targets)
        errors = run_concurrently(
            self._make_clone,
            [name for name in targets if name not in taken],
            finish=True,
        )
        if errors:
            raise errors[0]

    def _make_clone(self, name: str) -> None:
        self._copy(name, marker=self.MARKER)

    @property
    def can_mark(self) -> bool:
        """MariaDB keeps a comment on a database from 10.5; MySQL does not."""
        if getattr(self, "_can_mark", None) is None:
            # Asked without a database (the project's own may not exist) on
            # a connection of its own, so that any thread may ask.
            with self._cursor() as cursor:
                cursor.execute("SELECT VERSION()")
                version = cursor.fetchone()[0]
            numbers = re.match(r"(\d+)\.(\d+)", version)
            self._can_mark = bool(
                "mariadb" in version.lower()
                and numbers
                and (int(numbers[1]), int(numbers[2])) >= (10, 5)
            )
        return self._can_mark

    @property
    def unmarked_reason(self) -> str:
        if self.can_mark:
            return ""
        return (
            " (this server keeps no comment on a database, where django-parallel "
            "marks its clones: only MariaDB 10.5 and later does)"
        )

    def _comment(self, marker: str | None = None) -> str:
        return f" COMMENT '{marker or self.MARKER}'" if self.can_mark else ""

    def cache_databases(self, names) -> set[str]:
        names = list(names)
        with self._cursor() as cursor:
            if not self.can_mark:
                # No marker to read: a cache name is all there is to go by.
                return set(names) & self._existing(cursor)
            cursor.execute(
                "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                f"WHERE SCHEMA_NAME IN ({', '.join(['%s'] * len(names))}) "
                "AND SCHEMA_COMMENT = %s",
                [*names, self.CACHE_OWNER],
            )
            return {name for (name,) in cursor.fetchall()}

    def owns(self, name: str) -> bool:
        if not self.can_mark:
            return False
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA "
                "WHERE SCHEMA_NAME = %s",
                [name],
            )
            row = cursor.fetchone()
        return row is not None and row[0] == self.MARKER

    def mark(self, name: str) -> None:
        if self.can_mark:
            with self._cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {self._quote(name)}{self._comment()}")

    def _existing(self, cursor) -> set[str]:
        cursor.execute("SHOW DATABASES")
        return {name for (name,) in cursor.fetchall()}

    def _has_extras(self, cursor, source: str) -> bool:
        checks = [
            ("information_schema.TABLES", "TABLE_SCHEMA", "AND TABLE_TYPE = 'VIEW'"),
            ("information_schema.TRIGGERS", "TRIGGER_SCHEMA", ""),
            ("information_schema.ROUTINES", "ROUTINE_SCHEMA", ""),
            ("information_schema.EVENTS", "EVENT_SCHEMA", ""),
        ]
        for table, column, extra in checks:
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = %s {extra}", [source]
            )
            if cursor.fetchone()[0]:
                return True
        return False

    def _copy(
        self,
        target: str,
        source: str | None = None,
        create: bool = True,
        marker: str | None = None,
    ) -> None:
        source = self._quote(source or self.test_name)
        quoted = self._quote(target)
        with self._cursor() as cursor:
            if create:
                self.record(target)
                # Marked as it is made: a clone interrupted half way is still
                # known for the runner's at the next --keepdb run.
                comment = self._comment(marker) if marker else ""
                cursor.execute(
                    f"CREATE DATABASE {quoted} CHARACTER SET {self._charset} "
                    f"COLLATE {self._collation}{comment}"
                )
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            try:
                cursor.execute(f"USE {quoted}")
                for table, create, columns in self._tables:
                    cursor.execute(create)
                    if columns is None:
                        continue
                    name = self._quote(table)
                    cursor.execute(
                        f"INSERT INTO {quoted}.{name} ({columns}) "
                        f"SELECT {columns} FROM {source}.{name}"
                    )
            finally:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")

    supports_cache = True
    # MariaDB's and MySQL's limit on a database name, in characters (a
    # limit in bytes is kept, which is stricter).
    cache_name_limit = 64
    name_limit = 64

    def cache_location(self, fingerprint: str) -> str:
        return self.server_cache_name(fingerprint)

    def cached(self, location: str) -> bool:
        return bool(self.cache_databases([location]))

    def save_cache(self, location: str) -> None:
        self.clear_cache(keep=location)
        self.connection.close()
        with self._cursor() as cursor:
            if location in self._existing(cursor):
                return  # Someone else's database has that name: not cached.
        if not self._read_schema(self.test_name):
            return  # Not cacheable this way; every run migrates.
        self._publish_copy(
            self.test_name, location, self.spare_name(location, kind="part")
        )

    def _publish_copy(self, source: str, target: str, partial: str) -> None:
        """Copy ``source`` into a new cache database ``target``, made as
        ``partial`` and then moved, so that no run ever sees it half made
        (a run stopped part way drops the part)."""
        if self.cache_databases([partial]):
            self._drop(partial)  # Left by a process that was killed.
        try:
            self._copy(partial, source=source, marker=self.CACHE_OWNER)
            self.created.remove(partial)
            moved = self._move(partial, target)
        except BaseException:
            if self.cache_databases([partial]):  # Never a stranger's.
                self._drop(partial)
            raise
        if not moved:
            self._drop(partial)

    def load_cache(self, location: str) -> None:
        if not self._read_schema(location):
            raise RuntimeError(f"the cached database {location!r} cannot be copied")
        self._copy(self.test_name, source=location, create=False)

    def clear_cache(self, keep: str | None = None) -> list[str]:
        with self._cursor() as cursor:
            names = self.stale_cache_names(sorted(self._existing(cursor)), keep)
        for name in names:
            self._drop(name)
        return names

    # Copying the cache entry costs a CREATE TABLE per table; moving the
    # tables of a spare copy with one RENAME TABLE costs next to nothing.
    supports_spare = True

    def take_spare(self, location: str, name: str, number: int = 0) -> bool:
        spare = self.spare_name(location, number)
        return bool(self.cache_databases([spare])) and self._move(spare, name)

    def take_spares(self, location: str, wanted: list[tuple[int, str]]) -> list[str]:
        taken = []

        def take(pair: tuple[int, str]) -> None:
            if self.take_spare(location, pair[1], pair[0]):
                taken.append(pair[1])

        run_concurrently(take, wanted, finish=True)
        return taken

    def make_spare(self, location: str, number: int = 0) -> None:
        spare = self.spare_name(location, number)
        with self._cursor() as cursor:
            if spare in self._existing(cursor):
                return
        if not self._read_schema(location):
            return
        # Published whole: a run never takes a half-made spare.
        self._publish_copy(
            location, spare, self.spare_name(location, number, kind="part")
        )

    def _move(self, source: str, target: str) -> bool:
        """Move every table of database ``source`` into a new database
        ``target`` and drop ``source``; False if either is not as expected."""
        quoted_source, quoted_target = self._quote(source), self._quote(target)
        with self._cursor() as cursor:
            existing = self._existing(cursor)
            if source not in existing or target in existing:
                return False
            cursor.execute(
                "SELECT TABLE_NAME FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = %s",
                [source],
            )
            tables = [self._quote(table) for (table,) in cursor.fetchall()]
            cursor.execute(
                "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, "
                + ("SCHEMA_COMMENT " if self.can_mark else "NULL ")
                + "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                [source],
            )
            charset, collation, comment = cursor.fetchone()
            # The marker moves with the tables (only the runner's own).
            owner = comment if comment in (self.MARKER, self.CACHE_OWNER) else None
            cursor.execute(
                f"CREATE DATABASE {quoted_target} CHARACTER SET {charset} "
                f"COLLATE {collation}{self._comment(owner) if owner else ''}"
            )
            try:
                if tables:
                    cursor.execute(
                        "RENAME TABLE "
                        + ", ".join(
                            f"{quoted_source}.{t} TO {quoted_target}.{t}"
                            for t in tables
                        )
                    )
            except Exception:
                # Taken by a run that started at the same moment, say.
                cursor.execute(f"DROP DATABASE {quoted_target}")
                return False
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted_source}")
        return True

    def _clone_like_django(self, slots) -> None:
        for slot in slots:
            self.connection.creation._clone_test_db(
                str(slot), self.verbosity, keepdb=self.keepdb
            )
            self.mark(self.clone_name(slot))

    def _drop(self, name: str) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self._quote(name)}")

    dump_suffix = ".sql"

    def dump_entry(self, location: str, path: str) -> dict:
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
                "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
                [location],
            )
            charset, collation = cursor.fetchone()
        options, env = client_options(self.connection, location)
        program = find_program(["mariadb-dump", "mysqldump"])
        run_program(
            [
                program,
                *options,
                "--single-transaction",
                "--routines",
                "--triggers",
                "--hex-blob",
                "--skip-comments",
                location,
            ],
            env,
            stdout_path=path,
        )
        return {"charset": charset, "collation": collation}

    def load_file(self, path: str, details: dict, into: str, loading: str) -> bool:
        charset, collation = details.get("charset"), details.get("collation")
        if not all(
            isinstance(v, str) and _CHARSET_NAME.fullmatch(v)
            for v in (charset, collation)
        ):
            raise ClientUnavailable("the exported entry's character set cannot be read")
        if not os.path.exists(path):
            raise ClientUnavailable(f"{path} is missing")
        options, env = client_options(self.connection, loading)
        program = find_program(["mariadb", "mysql"])
        if self.cache_databases([loading]):
            self._drop(loading)  # Left by an interrupted load.
        with self._cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE {self._quote(loading)} CHARACTER SET {charset} "
                f"COLLATE {collation}{self._comment(self.CACHE_OWNER)}"
            )
        try:
            run_program([program, *options, loading], env, stdin_path=path)
            # Published whole: a run never copies a half-loaded database.
            if not self._move(loading, into):
                self._drop(loading)
                return False
        except BaseException:
            self._drop(loading)
            raise
        return True
