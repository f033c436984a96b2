"""The worker lifecycle off the happy path, from the outside: a worker that
will not exit, one that crashes while closing, fixtures that hang under
--timeout, the restart cap, and no thread alive in a process that forks."""

import re
import subprocess
import sys
import unittest

from support import server_databases
from test_parallel import ParallelTestCase


class LeftoverThreadTests(ParallelTestCase):
    """A test leaves a thread running: its worker, told to close, cannot
    exit. It is killed after a grace and named; the run ends."""

    def test_fork(self):
        run = self.run_parallel(
            "scenarios.test_leftover_thread",
            "scenarios.test_normal",
            start_method="fork",
            env={"DP_LEAVE_THREAD": "1"},
            # Safety net: without the grace the parent spun for ever.
            timeout=120,
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=10)
        self.assertRegex(
            run.stderr,
            r"django-parallel: warning: worker \d \(pid \d+\) did not exit "
            r"within \d+s of being told to \(scenarios\.test_leftover_thread\."
            r"LeavesThreadRunning left a thread running \('left-running'\)\); "
            "it was killed",
        )
        self.assertNothingLeft()


class CrashWhileClosingTests(ParallelTestCase):
    """Every worker exits with status 5 when it closes: each is named once
    and none is replaced (before, each replacement crashed again)."""

    def test_spawn(self):
        run = self.run_parallel(
            "scenarios.test_normal",
            env={"DP_CRASH_ON_CLOSE": "1"},
            timeout=120,
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=8)
        warnings = re.findall(r"django-parallel: warning: .*", run.stderr)
        self.assertEqual(len(warnings), 2, run.describe())
        for line in warnings:
            self.assertIn("(exit code 5) while closing", line)
            self.assertIn("not replaced", line)
        self.assertNothingLeft()


class RestartCapTests(ParallelTestCase):
    """--max-restarts bounds how many workers a run replaces: past it, the
    run stops with one line (after reporting what crashed)."""

    def test_limit_reached(self):
        run = self.run_parallel(
            "scenarios.test_crash",
            "scenarios.test_normal",
            "--max-restarts",
            "0",
            env={"DP_CRASH": "exit"},
            timeout=120,
        )
        self.assertExit(run, 2)
        self.assertRegex(run.stderr, r"ERROR: test_2_dies \(scenarios\.test_crash")
        errors = [
            line
            for line in run.stderr.splitlines()
            if "django-parallel: error:" in line
        ]
        self.assertEqual(len(errors), 1, run.describe())
        self.assertIn("--max-restarts 0", errors[0])
        self.assertNothingLeft()

    def test_bad_value_is_one_line(self):
        run = self.run_parallel("scenarios.test_normal", "--max-restarts", "-1")
        self.assertOneLineError(run, "--max-restarts")
        self.assertNothingLeft()


class FixtureTimeoutTests(ParallelTestCase):
    """--timeout bounds class and module fixtures, not only tests: each
    hung class is reported with the worker's stack, and the rest runs."""

    def check(self, start_method):
        run = self.run_parallel(
            "scenarios.test_fixture_hang",
            "scenarios.test_module_hang",
            "scenarios.test_normal",
            "--timeout",
            "3",
            start_method=start_method,
            env={"DP_FIXTURE_HANG": "1"},
            # Safety net: before, the run waited for ever.
            timeout=180,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=9, errors=4)
        for name in (
            "test_fixture_hang.HangsInSetUpClass",
            "test_fixture_hang.HangsInSetUpTestData",
            "test_fixture_hang.HangsInTearDownClass",
            "test_module_hang.InAHangingModule",
        ):
            self.assertRegex(run.stderr, rf"ERROR: scenarios\.{name}\b")
        self.assertIn("timed out after 3s (--timeout)", run.stderr)
        for fixture in ("setUpClass", "setUpTestData", "tearDownClass", "setUpModule"):
            self.assertRegex(run.stderr, rf'hang\.py", line \d+ in {fixture}')
        self.assertNothingLeft()

    def test_spawn(self):
        self.check("spawn")

    def test_fork(self):
        self.check("fork")


class BootTimeoutTests(ParallelTestCase):
    """With --timeout, a worker that never gets set up (it hangs importing
    the settings) ends the run with one line and its stack, instead of
    the run waiting for it for ever."""

    def runner_error(self, run) -> str:
        """The run's one error line (the worker's stack, which faulthandler
        wrote, may say "error" too)."""
        self.assertExit(run, 2)
        errors = [
            line
            for line in run.stderr.splitlines()
            if "django-parallel: error:" in line
        ]
        self.assertEqual(len(errors), 1, run.describe())
        return errors[0]

    def test_spawn(self):
        run = self.run_parallel(
            "scenarios.test_normal",
            "--timeout",
            "2",
            env={"DP_HANG_WORKER_BOOT": "1"},
            # Safety net: before, the run waited for ever.
            timeout=120,
        )
        error = self.runner_error(run)
        self.assertIn("did not set itself up within --timeout 2s", error)
        self.assertRegex(run.stderr, r'settings\.py", line \d+ in <module>')
        self.assertNothingLeft()

    def test_without_timeout(self):
        # Bounded all the same, by settings.DJANGO_PARALLEL['boot_timeout'].
        run = self.run_parallel(
            "scenarios.test_normal",
            env={"DP_HANG_WORKER_BOOT": "1", "DP_BOOT_TIMEOUT": "2"},
            timeout=120,
        )
        error = self.runner_error(run)
        self.assertIn("did not set itself up within 2s", error)
        self.assertIn("boot_timeout", error)
        self.assertRegex(run.stderr, r'settings\.py", line \d+ in <module>')
        self.assertNothingLeft()


@unittest.skipIf(
    sys.version_info < (3, 12), "Python warns of fork() with threads from 3.12"
)
class NoThreadAtForkTests(ParallelTestCase):
    """Under fork, a replacement worker is forked with no other thread in
    the parent, though the spare-copy thread of the migrated-database cache
    runs then. A session held on the cache entry makes each spare copy
    wait (PostgreSQL copies a template only when no one else uses it), so
    the thread is still at work when the crash asks for a replacement;
    Python's warning about forking with threads is always shown."""

    backend = "postgresql"

    def test_replacement_worker(self):
        # A first run makes the cache entry, and waits for its spares: the
        # second run then takes every database it needs from them.
        first = self.run_parallel(
            "scenarios.test_spares",
            "scenarios.test_normal",
            start_method="fork",
            env={"DP_WAIT_FOR_SPARES": "3"},
        )
        self.assertCounts(first, passed=9)
        prefix = f"test_{self.db_name}"
        entry = [
            name
            for name in server_databases("postgresql", prefix)
            if "_dpcache_" in name and "_next" not in name
        ]
        self.assertEqual(len(entry), 1, first.describe())
        holder = subprocess.Popen(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", entry[0]],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        self.addCleanup(holder.wait, 30)
        self.addCleanup(holder.kill)
        holder.stdin.write("select 'holding';\n")
        holder.stdin.flush()
        command = [
            sys.executable,
            "-W",
            # Shown, wherever it comes from (an error would be swallowed).
            "always:This process:DeprecationWarning",
            "manage.py",
            "test",
            "scenarios.test_crash",
            "scenarios.test_normal",
            "--parallel",
            "2",
            "--start-method",
            "fork",
        ]
        self.wait_for_session(entry[0])
        run = self.run_command(
            command, env={"TMPDIR": str(self.tmp), "DP_CRASH": "exit"}
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=10, errors=1)
        self.assertNotIn("multi-threaded", run.stderr)
        holder.kill()
        holder.wait(30)
        self.assertNothingLeft()

    def wait_for_session(self, database: str) -> None:
        """Until the holder's session is open (a condition, not a delay)."""
        from support import server_sql

        for _ in range(600):
            sessions = server_sql(
                "postgresql",
                f"select count(*) from pg_stat_activity where datname = '{database}'",
            )
            if int(sessions.strip() or 0) > 0:
                return
            subprocess.run(["sleep", "0.1"], check=True)
        self.fail("the holding session did not start")
