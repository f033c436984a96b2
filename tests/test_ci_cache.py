"""The migrated-database cache in CI: ``test_db_cache key`` for the CI cache
step, ``test_db_cache export`` to files under ``.django_parallel/``, and a
run on a server without the entry (a CI job's fresh one) that loads them
instead of migrating, only when they were made from the same migrations."""

import os
import re
import sys
import tempfile

from support import ProjectTestCase, backend_variants, drop_server_databases

FRESH = "Creating test database for alias 'default'..."
CACHED = (
    "Creating test database for alias 'default' from the migrated-database cache..."
)
LOADING = "Loading the migrated-database cache for alias 'default' from "
LABELS = ("typed.test_width", "scenarios.test_probe")


class ExportedCacheTests(ProjectTestCase):
    project = "engine"
    # The variants run on the servers; SQLite keeps its entries as files.
    backend = "postgresql"

    def setUp(self):
        super().setUp()
        self.env = {"DP_RUNNER_APP": "1", "DP_TYPED_APP": "1"}

    def command(self, *args: str, env=None):
        return self.run_command(
            [sys.executable, "manage.py", "test_db_cache", *args],
            env={**self.env, **(env or {})},
        )

    def run_labels(self, *args, env=None):
        run = self.run_tests(*LABELS, *args, env={**self.env, **(env or {})})
        self.assertCounts(run, passed=2)
        return run

    def key(self) -> str:
        run = self.command("key")
        self.assertExit(run, 0)
        self.assertRegex(run.stdout, r"^[0-9a-f]{20}\n$")
        return run.stdout.strip()

    def fresh_server(self) -> None:
        """What a CI job's server holds: none of the runner's databases."""
        drop_server_databases(self.backend, f"test_{self.db_name}")

    def cache_files(self) -> list[str]:
        directory = self.project_dir / ".django_parallel" / "dbcache"
        return sorted(p.name for p in directory.glob("*")) if directory.exists() else []

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.project_dir / relative
        text = path.read_text()
        self.assertIn(old, text)
        path.write_text(text.replace(old, new))

    def test_fresh_server_loads_the_exported_entry(self):
        key = self.key()
        first = self.run_labels()
        self.assertIn(FRESH, first.stderr)
        exported = self.command("export")
        self.assertExit(exported, 0)
        self.assertIn("Alias 'default': exported to", exported.stdout)
        files = self.cache_files()
        self.assertTrue(any(re.search(r"_dpcache_[0-9a-f]{12}\.", f) for f in files))
        self.assertIn("is current", self.command("export").stdout)

        self.fresh_server()
        second = self.run_labels("--parallel", "2", "--start-method", "spawn")
        self.assertIn(LOADING, second.stderr)
        self.assertIn(CACHED, second.stderr)
        self.assertNotIn(FRESH, second.stderr)
        self.assertIn("WIDTH 20", second.stdout)
        self.assertIn("NOTE from migration", second.stdout)
        self.assertEqual(self.key(), key)
        self.assertNothingLeft()
        # That run loaded its own test database from the file, and the
        # entry while its tests ran: the next run on this server copies it.
        again = self.run_labels("--parallel", "2", "--start-method", "fork")
        self.assertNotIn(LOADING, again.stderr)
        self.assertIn(CACHED, again.stderr)
        self.assertIn("NOTE from migration", again.stdout)
        self.assertNothingLeft()

        # Other migrations: the key changes, and the files are not loaded.
        self.edit("typed/fields.py", "varchar(20)", "varchar(30)")
        self.assertNotEqual(self.key(), key)
        self.fresh_server()
        third = self.run_labels()
        self.assertIn(FRESH, third.stderr)
        self.assertNotIn(LOADING, third.stderr)
        self.assertIn("WIDTH 30", third.stdout)
        self.assertNothingLeft()

    def test_missing_programs_step_aside(self):
        nowhere = tempfile.mkdtemp(prefix="dp-empty-path-")
        self.addCleanup(os.rmdir, nowhere)
        self.run_labels()
        refused = self.command("export", env={"PATH": nowhere})
        self.assertExit(refused, 1)
        self.assertNotIn("Traceback", refused.output, refused.describe())
        self.assertIn(
            "cannot export the cache entry of alias 'default'", refused.stderr
        )
        self.assertFalse(
            [f for f in self.cache_files() if "_dpcache_" in f], self.cache_files()
        )

        self.assertExit(self.command("export"), 0)
        self.fresh_server()
        run = self.run_labels(
            "--parallel", "2", "--start-method", "fork", env={"PATH": nowhere}
        )
        self.assertIn(
            "Not loading the exported migrated-database cache for alias 'default'",
            run.stderr,
        )
        self.assertIn(FRESH, run.stderr)
        self.assertNothingLeft()


class SQLiteCacheKeyTests(ProjectTestCase):
    """SQLite entries are files already: export has nothing to write, and the
    key follows the migrations all the same."""

    project = "engine"

    def test_key_and_export(self):
        env = {"DP_RUNNER_APP": "1", "DP_TYPED_APP": "1"}
        command = [sys.executable, "manage.py", "test_db_cache"]
        key = self.run_command([*command, "key"], env=env)
        self.assertExit(key, 0)
        exported = self.run_command([*command, "export"], env=env)
        self.assertExit(exported, 0)
        self.assertIn("files already", exported.stdout)
        path = self.project_dir / "typed" / "fields.py"
        path.write_text(path.read_text().replace("varchar(20)", "varchar(30)"))
        changed = self.run_command([*command, "key"], env=env)
        self.assertNotEqual(changed.stdout, key.stdout)
        # The same key outside manage.py, from the settings module.
        module = [sys.executable, "-m", "django_parallel", "cache", "key"]
        outside = self.run_command(
            [*module, "--settings", "engine_project.settings"], env=env
        )
        self.assertExit(outside, 0)
        self.assertEqual(outside.stdout, changed.stdout)
        self.assertOneLineError(self.run_command(module, env=env), "--settings")


globals().update(backend_variants(ExportedCacheTests, backends=("mysql",)))
