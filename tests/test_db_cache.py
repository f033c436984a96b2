"""The migrated-database cache: a second run copies the migrated test
database instead of migrating, and any change to migrations or models makes
it migrate (and cache) again."""

import sys

from support import ProjectTestCase, backend_variants, server_databases

FRESH = "Creating test database for alias 'default'..."
CACHED = (
    "Creating test database for alias 'default' from the migrated-database cache..."
)


class DatabaseCacheTests(ProjectTestCase):
    project = "engine"

    def run_probe(self, *args):
        run = self.run_tests("scenarios.test_probe", *args)
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
        return server_databases(self.backend, f"test_{self.db_name}_dpcache_")

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
