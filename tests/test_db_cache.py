"""The migrated-database cache: a second run copies the migrated test
database instead of migrating, and any change to migrations or models makes
it migrate (and cache) again."""

import re
import sys

from support import (
    ProjectTestCase,
    backend_variants,
    drop_server_databases,
    server_databases,
    server_sql,
)

FRESH = "Creating test database for alias 'default'..."
CACHED = (
    "Creating test database for alias 'default' from the migrated-database cache..."
)


class DatabaseCacheTests(ProjectTestCase):
    project = "engine"

    def run_probe(self, *args, env=None):
        run = self.run_tests("scenarios.test_probe", *args, env=env)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=1)
        return run

    def entries(self) -> list[str]:
        if self.backend == "sqlite":
            directory = self.project_dir / ".django_parallel" / "dbcache"
            return (
                sorted(p.name for p in directory.glob("*"))
                if directory.exists()
                else []
            )
        names = server_databases(self.backend, f"test_{self.db_name}_dpcache_")
        # PostgreSQL's spare copies are SpareCopyTests' business.
        return [n for n in names if not re.search(r"_(next|part)\d*$", n)]

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.project_dir / relative
        text = path.read_text()
        self.assertIn(old, text)
        path.write_text(text.replace(old, new))

    def test_second_run_copies_the_cached_database(self):
        first = self.run_probe()
        self.assertIn(FRESH, first.stderr)
        self.assertEqual(len(self.entries()), 1)
        second = self.run_probe()
        self.assertIn(CACHED, second.stderr)
        self.assertNotIn(FRESH, second.stderr)
        self.assertIn("NOTE from migration", second.stdout)
        self.assertNothingLeft()

    def test_edited_migration_is_migrated_again(self):
        self.run_probe()
        before = self.entries()
        self.edit(
            "scenarios/migrations/0001_initial.py",
            'create(text="from migration")',
            'create(text="edited migration")',
        )
        run = self.run_probe()
        self.assertIn(FRESH, run.stderr)
        self.assertIn("NOTE edited migration", run.stdout)
        after = self.entries()
        self.assertEqual(len(after), 1)
        self.assertNotEqual(after, before)
        self.assertIn(CACHED, self.run_probe().stderr)

    def test_edited_model_is_migrated_again(self):
        self.run_probe()
        self.edit(
            "scenarios/models.py",
            "text = models.CharField(max_length=100)",
            "text = models.CharField(max_length=100)\n\n    class Meta:\n"
            '        ordering = ["text"]',
        )
        run = self.run_probe()
        self.assertIn(FRESH, run.stderr)
        self.assertEqual(len(self.entries()), 1)

    def test_edited_post_migrate_receiver_is_run_again(self):
        env = {"DP_POST_MIGRATE_NOTE": "1"}
        self.assertIn("NOTE from post_migrate", self.run_probe(env=env).stdout)
        self.edit("scenarios/hooks.py", '"from post_migrate"', '"edited receiver"')
        run = self.run_probe(env=env)
        self.assertIn(FRESH, run.stderr)
        self.assertIn("NOTE edited receiver", run.stdout)
        self.assertNotIn("NOTE from post_migrate", run.stdout)

    def test_edited_router_is_migrated_again(self):
        self.run_probe(env={"DP_ROUTER": "1"})
        self.edit("scenarios/routers.py", "return None", "return True")
        run = self.run_probe(env={"DP_ROUTER": "1"})
        self.assertIn(FRESH, run.stderr)
        self.assertIn(CACHED, self.run_probe(env={"DP_ROUTER": "1"}).stderr)

    def test_serialized_contents_are_kept_with_the_cache(self):
        first = self.run_tests("scenarios.test_serialized")
        self.assertCounts(first, passed=1)
        self.assertIn("RESTORED from migration", first.stdout)
        kept = list(
            (self.project_dir / ".django_parallel" / "dbcache").glob(
                "*.serialized.json"
            )
        )
        self.assertEqual(len(kept), 1, kept)
        # What the next run restores comes from the kept file, not from
        # serializing the database again.
        kept[0].write_text(
            kept[0].read_text().replace("from migration", "from the file")
        )
        second = self.run_tests("scenarios.test_serialized")
        self.assertIn(CACHED, second.stderr)
        self.assertIn("RESTORED from the file", second.stdout)
        self.edit(
            "scenarios/migrations/0001_initial.py",
            'create(text="from migration")',
            'create(text="edited migration")',
        )
        third = self.run_tests("scenarios.test_serialized")
        self.assertIn(FRESH, third.stderr)
        self.assertIn("RESTORED edited migration", third.stdout)
        after = list(
            (self.project_dir / ".django_parallel" / "dbcache").glob(
                "*.serialized.json"
            )
        )
        self.assertEqual(len(after), 1, after)
        self.assertNotEqual(after, kept)

    def test_no_db_cache_migrates_and_caches_nothing(self):
        run = self.run_probe("--no-db-cache")
        self.assertIn(FRESH, run.stderr)
        self.assertEqual(self.entries(), [])
        self.run_probe()
        self.assertIn(FRESH, self.run_probe("--no-db-cache").stderr)

    def test_clear_db_cache_starts_afresh(self):
        self.run_probe()
        run = self.run_probe("--clear-db-cache")
        self.assertIn("Dropped cached test database", run.stdout)
        self.assertIn(FRESH, run.stderr)
        self.assertEqual(len(self.entries()), 1)

    def test_keepdb_does_not_use_the_cache(self):
        self.run_probe()
        run = self.run_probe("--keepdb")
        self.assertNotIn(CACHED, run.stderr)


globals().update(backend_variants(DatabaseCacheTests))


class SpareCopyTests(ProjectTestCase):
    """Each run leaves a spare copy of the cache entry, made while its tests
    run, and the next run renames it into its test database (PostgreSQL:
    ALTER DATABASE ... RENAME; MariaDB: RENAME TABLE) instead of copying the
    entry."""

    project = "engine"
    backend = "postgresql"
    run_probe = DatabaseCacheTests.run_probe
    edit = DatabaseCacheTests.edit

    def copies(self) -> dict[str, str]:
        """Cache entries and spares, by name, with an identity that changes
        when the database is made again (PostgreSQL's OID; on MariaDB, the
        smallest InnoDB table id)."""
        pattern = f"'test\\_{self.db_name}\\_dpcache\\_%'"
        if self.backend == "postgresql":
            sql = f"SELECT datname, oid FROM pg_database WHERE datname LIKE {pattern}"
        else:
            # Moving tables keeps their InnoDB ids; making them anew does not.
            sql = (
                "SELECT SUBSTRING_INDEX(NAME, '/', 1), MIN(TABLE_ID) "
                "FROM information_schema.INNODB_SYS_TABLES "
                f"WHERE NAME LIKE {pattern} GROUP BY 1"
            )
        rows = server_sql(self.backend, sql)
        return dict(
            line.split("|" if "|" in line else "\t") for line in rows.splitlines()
        )

    def test_each_run_takes_the_spare_and_leaves_a_new_one(self):
        self.run_probe()
        first = self.copies()
        self.assertEqual(len(first), 2, first)
        (spare,) = [name for name in first if name.endswith("_next")]
        (entry,) = [name for name in first if name != spare]
        second_run = self.run_probe()
        self.assertIn(CACHED, second_run.stderr)
        self.assertIn("NOTE from migration", second_run.stdout)
        second = self.copies()
        self.assertEqual(set(second), {entry, spare})
        self.assertEqual(second[entry], first[entry])
        # Renamed into the test database (and dropped with it), then remade.
        self.assertNotEqual(second[spare], first[spare])
        self.assertNothingLeft()

    def test_clones_are_made_from_spares(self):
        # Four classes that check the migrated row, long enough (about 2 s
        # a worker) for the spares of the test database and both clones.
        labels = [f"scenarios.test_bins.Early{i}" for i in range(4)]
        first_run = self.run_tests(*labels, "--parallel", "2")
        self.assertCounts(first_run, passed=20)
        first = self.copies()
        self.assertEqual(
            sorted(
                re.search(r"_next\d*$", name)[0] for name in first if "_next" in name
            ),
            ["_next", "_next1", "_next2"],
            first,
        )
        second_run = self.run_tests(*labels, "--parallel", "2")
        self.assertCounts(second_run, passed=20)
        second = self.copies()
        self.assertEqual(set(second), set(first))
        for name in first:
            if "_next" in name:
                self.assertNotEqual(second[name], first[name], name)
        self.assertNothingLeft()

    def test_a_new_fingerprint_drops_the_old_spare(self):
        self.run_probe()
        before = self.copies()
        self.edit(
            "scenarios/migrations/0001_initial.py",
            'create(text="from migration")',
            'create(text="edited migration")',
        )
        self.assertIn("NOTE edited migration", self.run_probe().stdout)
        after = self.copies()
        self.assertEqual(len(after), 2, after)
        self.assertFalse(set(before) & set(after))
        run = self.run_probe()
        self.assertIn(CACHED, run.stderr)
        self.assertIn("NOTE edited migration", run.stdout)

    def test_clear_db_cache_drops_the_spare_too(self):
        self.run_probe()
        before = self.copies()
        self.run_probe("--clear-db-cache")
        after = self.copies()
        self.assertEqual(len(after), 2, after)
        self.assertEqual(set(after), set(before))
        self.assertFalse(set(after.values()) & set(before.values()))


globals().update(backend_variants(SpareCopyTests, backends=("mysql",)))


class StrangerAtCacheNameTests(ProjectTestCase):
    """Databases someone else made at the names the cache uses (an entry of
    another fingerprint, this run's entry, its spare, a half-made load) are
    never used, taken or dropped: only the databases the runner marked as
    its cache's are."""

    project = "engine"
    backend = "postgresql"
    run_probe = DatabaseCacheTests.run_probe

    def make_stranger(self, name: str) -> None:
        quote = '"' if self.backend == "postgresql" else "`"
        server_sql(self.backend, f"create database {quote}{name}{quote}")
        server_sql(self.backend, "create table theirs (id integer)", name)
        server_sql(self.backend, "insert into theirs values (42)", name)

    def assertStrangersIntact(self, names) -> None:
        for name in names:
            self.assertEqual(
                server_sql(self.backend, "select id from theirs", name).strip(),
                "42",
                name,
            )

    def test_strangers_are_left_alone(self):
        self.run_probe()
        (entry,) = [
            n
            for n in server_databases(self.backend, f"test_{self.db_name}_dpcache_")
            if not re.search(r"_next\d*$", n)
        ]
        drop_server_databases(self.backend, entry)
        other = re.sub(r"[0-9a-f]{12}$", "0" * 12, entry)
        strangers = [entry, f"{entry}_next", f"{entry}_load1", other]
        for name in strangers:
            self.make_stranger(name)

        # The stranger at the entry's name is not this run's cache: the run
        # migrates, and caches nothing where the name is taken.
        run = self.run_probe("--parallel", "2")
        self.assertIn(FRESH, run.stderr)
        self.assertNotIn(CACHED, run.stderr)
        self.assertIn("NOTE from migration", run.stdout)
        self.assertStrangersIntact(strangers)
        cleared = self.run_probe("--clear-db-cache")
        self.assertIn(FRESH, cleared.stderr)
        self.assertStrangersIntact(strangers)
        self.assertNothingLeft()


globals().update(backend_variants(StrangerAtCacheNameTests, backends=("mysql",)))


class ClearCommandTests(ProjectTestCase):
    """``manage.py clear_test_db_cache``, with django_parallel installed."""

    def entries(self) -> list[str]:
        directory = self.project_dir / ".django_parallel" / "dbcache"
        return sorted(p.name for p in directory.glob("*")) if directory.exists() else []

    def test_command_drops_every_entry(self):
        self.assertExit(self.run_tests("shop.tests.test_multidb", mode="app"), 0)
        self.assertEqual(len(self.entries()), 2)
        run = self.run_command(
            [sys.executable, "manage.py", "clear_test_db_cache"], mode="app"
        )
        self.assertExit(run, 0)
        self.assertEqual(run.stdout.count("Dropped cached test database"), 2)
        self.assertEqual(self.entries(), [])


class FingerprintCoverageTests(ProjectTestCase):
    """What the fingerprint covers, seen from a run: the app ``typed`` takes
    its column type from typed/fields.py, which its models and migration
    import."""

    project = "engine"
    edit = DatabaseCacheTests.edit
    TYPED = {"DP_TYPED_APP": "1"}

    def run_width(self, *args, env):
        run = self.run_tests("typed.test_width", "scenarios.test_probe", *args, env=env)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        return run

    def cache_files(self) -> list[str]:
        directory = self.project_dir / ".django_parallel" / "dbcache"
        return sorted(p.name for p in directory.glob("*.sqlite3"))

    def test_edited_field_module_is_migrated_again(self):
        self.assertIn("WIDTH 20", self.run_width(env=self.TYPED).stdout)
        self.edit("typed/fields.py", "varchar(20)", "varchar(30)")
        run = self.run_width(env=self.TYPED)
        self.assertIn(FRESH, run.stderr)
        self.assertIn("WIDTH 30", run.stdout)
        self.assertEqual(len(self.cache_files()), 1)

    def test_disable_migrations_recipe_is_cached_on_the_models(self):
        # MIGRATION_MODULES is an object, not a dict: Django makes every
        # table from the models, and so does a run, serial or parallel.
        env = {**self.TYPED, "DP_DISABLE_MIGRATIONS": "1"}
        first = self.run_width(env=env)
        self.assertIn(FRESH, first.stderr)
        self.assertIn("WIDTH 20", first.stdout)
        self.assertNotIn("NOTE from migration", first.stdout)
        second = self.run_width("--parallel", "2", env=env)
        self.assertIn(CACHED, second.stderr)
        self.assertIn("WIDTH 20", second.stdout)
        self.edit("typed/fields.py", "varchar(20)", "varchar(30)")
        third = self.run_width("--parallel", "2", env=env)
        self.assertIn(FRESH, third.stderr)
        self.assertIn("WIDTH 30", third.stdout)
        self.assertEqual(len(self.cache_files()), 1)
        self.assertNothingLeft()


class CacheBoundTests(ProjectTestCase):
    """An alias keeps one entry: a new one drops the old one's serialized
    contents too, and --clear-db-cache names everything it drops."""

    project = "engine"
    edit = DatabaseCacheTests.edit

    def cache_files(self, pattern: str) -> list[str]:
        directory = self.project_dir / ".django_parallel" / "dbcache"
        return sorted(p.name for p in directory.glob(pattern))

    def test_old_serialized_contents_go_with_their_entry(self):
        self.assertExit(self.run_tests("scenarios.test_serialized"), 0)
        self.assertEqual(len(self.cache_files("*.serialized.json")), 1)
        self.edit(
            "scenarios/migrations/0001_initial.py",
            'create(text="from migration")',
            'create(text="edited migration")',
        )
        # This run serializes nothing: the old file must go all the same.
        run = self.run_tests("scenarios.test_probe")
        self.assertIn(FRESH, run.stderr)
        self.assertEqual(self.cache_files("*.serialized.json"), [])
        self.assertEqual(len(self.cache_files("*.sqlite3")), 1)
        self.assertExit(self.run_tests("scenarios.test_serialized"), 0)
        kept = self.cache_files("*")
        self.assertEqual(len(kept), 2, kept)
        cleared = self.run_tests("scenarios.test_probe", "--clear-db-cache")
        self.assertExit(cleared, 0)
        dropped = re.findall(r"^Dropped cached .* (\S+)\.$", cleared.stdout, re.M)
        self.assertEqual(sorted(name.rsplit("/", 1)[-1] for name in dropped), kept)


class LongNameCacheTests(ProjectTestCase):
    """A test database name too long for a cache name as it is: every entry
    and spare the runner makes stays its own to find and drop, and a server
    holds at most one entry (and its spares) per test database."""

    project = "engine"
    backend = "postgresql"
    edit = DatabaseCacheTests.edit

    def cache_names(self) -> tuple[str | None, list[str]]:
        """The one entry of this test's databases, and its spares."""
        names = [
            name
            for name in server_databases(self.backend, f"test_{self.db_name}")
            if "_dpcache_" in name
        ]
        entries = [n for n in names if not re.search(r"_(next|part)\d*$", n)]
        self.assertLessEqual(len(entries), 1, names)
        if not entries:
            return None, names
        spares = [n for n in names if n != entries[0]]
        for spare in spares:
            self.assertRegex(spare, "^" + re.escape(entries[0]) + r"_next\d*$")
        return entries[0], spares

    def test_entries_of_a_long_test_name_stay_bounded_and_droppable(self):
        test_name = f"test_{self.db_name}_" + "with_a_rather_long_test_database_name"
        self.assertGreaterEqual(len(test_name), 50)
        env = {"DP_TYPED_APP": "1", "DP_TEST_NAME": test_name}
        # Two classes of 1 s each, time for some spares to be made (not
        # waited for: whatever spares exist must be the entry's).
        bins = ("scenarios.test_bins.Early0", "scenarios.test_bins.Early1")
        args = ("typed.test_width", *bins, "--parallel", "2")
        first = self.run_tests(*args, env=env)
        self.assertCounts(first, passed=11)
        self.assertIn("WIDTH 20", first.stdout)
        entry, _ = self.cache_names()
        self.assertIsNotNone(entry)
        self.assertIn("_dpcache_", entry)
        self.edit("typed/fields.py", "varchar(20)", "varchar(30)")
        second = self.run_tests(*args, env=env)
        self.assertCounts(second, passed=11)
        self.assertIn("WIDTH 30", second.stdout)
        new_entry, spares = self.cache_names()
        self.assertNotEqual(new_entry, entry)
        self.assertNothingLeft()
        cleared = self.run_tests(
            "typed.test_width", "--clear-db-cache", "--no-db-cache", env=env
        )
        self.assertCounts(cleared, passed=1)
        dropped = re.findall(
            r"^Dropped cached test database (\S+)\.$", cleared.stdout, re.M
        )
        self.assertEqual(sorted(dropped), sorted([new_entry, *spares]))
        self.assertEqual(self.cache_names(), (None, []))
        self.assertNothingLeft()


globals().update(backend_variants(LongNameCacheTests, backends=("mysql",)))
