"""Test databases that already exist: --keepdb keeps and reuses them, otherwise
the runner asks before deleting one (or, with --noinput, just deletes it)."""

from support import ProjectTestCase, backend_variants, server_databases

PROMPT = "Type 'yes' if you would like to try deleting the test database"


class ExistingTestDatabaseTests(ProjectTestCase):
    """On SQLite the test databases are files (DP_SQLITE_TEST_FILE), so that
    they can outlive a run as server databases do."""

    def environment(self, mode="runner", env=None):
        environ = super().environment(mode, env)
        environ.setdefault(
            "DP_SQLITE_TEST_FILE", str(self.db_dir / f"test_{self.db_name}")
        )
        return environ

    def test_databases(self):
        """The test databases that exist now, by name."""
        if self.backend == "sqlite":
            return sorted(path.name for path in self.db_dir.iterdir())
        # Migrated-database cache entries are not test databases.
        names = server_databases(self.backend, f"test_{self.db_name}")
        return [name for name in names if "_dpcache_" not in name]

    def assertTestDatabases(self, *suffixes):
        self.assertEqual(
            self.test_databases(),
            sorted(f"test_{self.db_name}{suffix}" for suffix in suffixes),
        )

    def test_keepdb_keeps_the_database_and_reuses_it(self):
        # Django prints "Using existing test database" whenever keepdb is on,
        # so reuse shows in the migrations: applied once, then found applied.
        first = self.run_tests("shop.tests.test_models", "--keepdb", "-v", "2")
        self.assertExit(first, 0)
        self.assertCounts(first, passed=6)
        self.assertIn("Applying shop.0002_default_categories", first.output)
        self.assertTestDatabases("")

        second = self.run_tests("shop.tests.test_models", "--keepdb", "-v", "2")
        self.assertExit(second, 0)
        self.assertCounts(second, passed=6)
        self.assertIn("Using existing test database for alias 'default'", second.output)
        self.assertIn("No migrations to apply.", second.output)
        self.assertNotIn("Applying shop.", second.output)
        self.assertNotIn(PROMPT, second.output)
        self.assertTestDatabases("")

    def test_without_keepdb_nothing_is_left(self):
        run = self.run_tests("shop.tests.test_models")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        self.assertTestDatabases()
        self.assertNothingLeft()

    def test_answering_yes_recreates_stale_databases(self):
        stale = self.run_tests("shop.tests.test_multidb", "--keepdb")
        self.assertExit(stale, 0)
        self.assertTestDatabases("", "_other")

        run = self.run_tests("shop.tests.test_multidb", input="yes\nyes\n")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertEqual(run.output.count(PROMPT), 2, run.describe())
        self.assertTestDatabases()
        self.assertNothingLeft()

    def test_answering_no_cancels_and_drops_what_was_created(self):
        stale = self.run_tests("shop.tests.test_multidb", "--keepdb")
        self.assertExit(stale, 0)
        self.assertTestDatabases("", "_other")

        # "default" is re-created, then the run is cancelled at "other": the
        # new default database must go, the stale one of "other" stays.
        run = self.run_tests("shop.tests.test_multidb", input="yes\nno\n")
        self.assertExit(run, 1)
        self.assertEqual(run.output.count(PROMPT), 2, run.describe())
        self.assertIn("Tests cancelled.", run.output)
        self.assertIsNone(run.summary, run.describe())
        self.assertNotIn("Traceback", run.output)
        self.assertTestDatabases("_other")

    def test_noinput_recreates_stale_databases_without_asking(self):
        stale = self.run_tests("shop.tests.test_multidb", "--keepdb")
        self.assertExit(stale, 0)

        run = self.run_tests("shop.tests.test_multidb", "--noinput")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertNotIn(PROMPT, run.output)
        self.assertIn("Destroying old test database for alias 'default'", run.output)
        self.assertIn("Destroying old test database for alias 'other'", run.output)
        self.assertTestDatabases()
        self.assertNothingLeft()


class InMemoryKeepDBTests(ProjectTestCase):
    """SQLite only: an in-memory test database has nothing to keep."""

    def test_keepdb_in_memory_leaves_nothing(self):
        run = self.run_tests("shop.tests.test_models", "--keepdb")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        self.assertNothingLeft()


globals().update(backend_variants(ExistingTestDatabaseTests))
