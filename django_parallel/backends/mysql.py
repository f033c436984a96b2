"""MariaDB/MySQL clones, copied inside the server: each table is re-created
from ``SHOW CREATE TABLE`` and filled with ``INSERT ... SELECT``, all clones
at once. No dump leaves the server, unlike Django's ``mysqldump | mysql`` per
clone. A database with views, triggers or routines, which such a copy would
miss, is cloned the way Django does it."""

from __future__ import annotations

from django_parallel.backends.base import CloneAdapter, run_concurrently


class MySQLCloneAdapter(CloneAdapter):
    can_clone = True

    def _quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _cursor(self):
        return self.connection.creation._nodb_cursor()

    def create_clones(self, slots) -> None:
        self.connection.close()
        source = self.test_name
        with self._cursor() as cursor:
            if self._has_extras(cursor, source):
                return self._clone_like_django(slots)
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
            self._tables = []
            for (table,) in cursor.fetchall():
                cursor.execute(
                    f"SHOW CREATE TABLE {self._quote(source)}.{self._quote(table)}"
                )
                create = cursor.fetchone()[1]
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                    "TABLE_SCHEMA = %s AND TABLE_NAME = %s AND "
                    "COALESCE(GENERATION_EXPRESSION, '') = '' "
                    "ORDER BY ORDINAL_POSITION",
                    [source, table],
                )
                columns = ", ".join(self._quote(c) for (c,) in cursor.fetchall())
                self._tables.append((table, create, columns))
            existing = self._existing(cursor)
        targets = [self.clone_name(slot) for slot in slots]
        for name in targets:
            if name in existing:
                self.check_replaceable(name)
                self._drop(name)
        errors = run_concurrently(self._copy, targets)
        if errors:
            raise errors[0]

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

    def _copy(self, target: str) -> None:
        source = self._quote(self.test_name)
        quoted = self._quote(target)
        with self._cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE {quoted} CHARACTER SET {self._charset} "
                f"COLLATE {self._collation}"
            )
            self.created.append(target)
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            try:
                cursor.execute(f"USE {quoted}")
                for table, create, columns in self._tables:
                    cursor.execute(create)
                    name = self._quote(table)
                    cursor.execute(
                        f"INSERT INTO {quoted}.{name} ({columns}) "
                        f"SELECT {columns} FROM {source}.{name}"
                    )
            finally:
                cursor.execute("SET FOREIGN_KEY_CHECKS = 1")

    def _clone_like_django(self, slots) -> None:
        for slot in slots:
            self.connection.creation._clone_test_db(
                str(slot), self.verbosity, keepdb=self.keepdb
            )
            self.created.append(self.clone_name(slot))

    def _drop(self, name: str) -> None:
        with self._cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self._quote(name)}")
