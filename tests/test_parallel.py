"""Parallel runs (--parallel): the same results as a serial run under every
start method and on every backend, and nothing left behind."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from support import (
    ProjectTestCase,
    Run,
    backend_variants,
    server_databases,
    server_sql,
)

START_METHODS = ("spawn", "forkserver", "fork")

# The counts of `manage.py test shop ordering_app outcomes` in the sample
# project, serial or parallel.
SAMPLE_COUNTS = dict(
    passed=30,
    failed=2,
    errors=2,
    skipped=1,
    expected_failures=1,
    unexpected_successes=1,
)


def processes_in(directory: Path) -> list[str]:
    """Command lines of live processes whose working directory is inside
    ``directory`` (workers chdir into the project)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if cwd == str(directory) or cwd.startswith(f"{directory}{os.sep}"):
            found.append(cmdline.decode(errors="replace"))
    return found


class ParallelTestCase(ProjectTestCase):
    """Runs with a private TMPDIR, so leftover temporary files show."""

    project = "engine"
    extra_env: dict = {}

    def setUp(self):
        super().setUp()
        self.tmp = self.workdir / "tmp"
        self.tmp.mkdir()
        self.initial_files = self.project_files()

    def run_parallel(self, *args, workers=2, start_method="spawn", env=None, **kw):
        environ = {"TMPDIR": str(self.tmp), **self.extra_env, **(env or {})}
        return self.run_tests(
            *args,
            "--parallel",
            str(workers),
            "--start-method",
            start_method,
            env=environ,
            **kw,
        )

    def start_held_run(self, moment: str, release) -> subprocess.Popen:
        """``scenarios.test_normal`` in parallel (spawn), held at ``moment``
        (it prints ``HELD <moment>``) until the file ``release`` exists."""
        env = {
            "TMPDIR": str(self.tmp),
            "DP_HOLD": moment,
            "DP_RELEASE": str(release),
            **self.extra_env,
        }
        command = [sys.executable, "manage.py", "test", "scenarios.test_normal"]
        command += ["--parallel", "2", "--start-method", "spawn"]
        process = subprocess.Popen(
            command,
            cwd=self.project_dir,
            env=self.environment(env=env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.kill)
        return process

    def assertNothingLeft(self):
        super().assertNothingLeft()
        self.assertEqual(sorted(os.listdir(self.tmp)), [], "temporary files left")
        deadline = time.monotonic() + 5
        while processes_in(self.workdir) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(processes_in(self.workdir), [], "processes left")


class EveryStartMethod:
    """A test per start method, each calling ``self.check(start_method)``."""

    def test_spawn(self):
        self.check("spawn")

    def test_forkserver(self):
        self.check("forkserver")

    def test_fork(self):
        self.check("fork")


class SameResultsTests(EveryStartMethod, ParallelTestCase):
    """Every outcome of the sample project, with multi-db, mirror,
    serialized_rollback and on_commit tests, counts as in a serial run."""

    project = "sample"
    labels = ("shop", "ordering_app", "outcomes")

    def check(self, start_method):
        run = self.run_parallel(*self.labels, start_method=start_method)
        self.assertExit(run, 1)
        self.assertCounts(run, **SAMPLE_COUNTS)
        self.assertIn("Cloning test database for alias 'default' 2 times", run.stderr)
        self.assertNothingLeft()

    def test_serial_counts_are_the_same(self):
        run = self.run_tests(*self.labels, env=self.extra_env)
        self.assertCounts(run, **SAMPLE_COUNTS)


class SameResultsFileSQLiteTests(SameResultsTests):
    """A file-based SQLite test database: clones are files beside it."""

    def setUp(self):
        super().setUp()
        self.extra_env = {"DP_SQLITE_TEST_FILE": str(self.db_dir / "test_file.sqlite3")}


class CrashTests(ParallelTestCase):
    """A worker that dies is reported on its test; the rest of the suite,
    its own class included, still runs."""

    def check(self, how, start_method, expected):
        run = self.run_parallel(
            "scenarios.test_crash",
            "scenarios.test_normal",
            start_method=start_method,
            env={"DP_CRASH": how},
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=10, errors=1)
        self.assertRegex(run.stderr, r"ERROR: test_2_dies \(scenarios\.test_crash")
        self.assertIn(f"({expected}) while running this test", run.stderr)
        self.assertNothingLeft()
        return run

    def test_os_exit_spawn(self):
        self.check("exit", "spawn", "exit code 3")

    def test_sigkill_spawn(self):
        self.check("kill", "spawn", "killed by SIGKILL")

    def test_segfault_spawn(self):
        run = self.check("segfault", "spawn", "killed by SIGSEGV")
        # faulthandler's report, from the worker's stderr, names the line.
        self.assertIn("Fatal Python error: Segmentation fault", run.stderr)
        self.assertIn("test_crash.py", run.stderr)

    def test_os_exit_forkserver(self):
        self.check("exit", "forkserver", "exit code 3")

    def test_sigkill_fork(self):
        self.check("kill", "fork", "killed by SIGKILL")


class TimeoutTests(ParallelTestCase):
    """--timeout ends a hung test with its stack, and the worker is replaced."""

    def check(self, start_method):
        run = self.run_parallel(
            "scenarios.test_hang",
            "scenarios.test_normal",
            "--timeout",
            "2",
            start_method=start_method,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=9, errors=1)
        self.assertRegex(run.stderr, r"ERROR: test_hangs \(scenarios\.test_hang")
        self.assertIn("timed out after 2s (--timeout)", run.stderr)
        self.assertRegex(run.stderr, r'test_hang\.py", line \d+ in test_hangs')
        self.assertNothingLeft()

    def test_spawn(self):
        self.check("spawn")

    def test_fork(self):
        self.check("fork")

    def test_one_class_alone(self):
        # One class is too few to share out, yet the timeout still holds
        # (a serial run cannot end a hung test and would never return).
        run = self.run_parallel(
            "scenarios.test_hang",
            "--timeout",
            "2",
            start_method="forkserver",
            timeout=120,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=1, errors=1)
        self.assertIn("timed out after 2s (--timeout)", run.stderr)
        self.assertNothingLeft()


class UnpicklableTests(ParallelTestCase):
    """What cannot be pickled is reported as text and the run goes on."""

    def test_exception_and_subtest_parameter(self):
        run = self.run_parallel("scenarios.test_unpicklable", "scenarios.test_normal")
        self.assertExit(run, 1)
        self.assertCounts(run, passed=9, failed=1, errors=1)
        self.assertIn("LockedError: an error holding a lock", run.stderr)
        self.assertIn("(lock=<unlocked _thread.lock object", run.stderr)
        self.assertIn("AssertionError: subtest with a lock parameter", run.stderr)
        self.assertNothingLeft()


class SkippedModuleTests(ParallelTestCase):
    """A test module that raises SkipTest when discovery imports it is a
    skip in a worker too: unittest's stand-in for it is a class made on the
    fly, which cannot be pickled as it is."""

    def test_spawn_and_fork(self):
        extra = self.project_dir / "extra"
        extra.mkdir()
        (extra / "test_skipped.py").write_text(
            "import unittest\n\nraise unittest.SkipTest('no frobnicator here')\n"
        )
        (extra / "test_kept.py").write_text(
            "import unittest\n\n\n"
            "class A(unittest.TestCase):\n    def test_a(self):\n        pass\n\n\n"
            "class B(unittest.TestCase):\n    def test_b(self):\n        pass\n"
        )
        self.initial_files = self.project_files()
        for start_method in ("spawn", "fork"):
            with self.subTest(start_method):
                run = self.run_parallel("extra", "-v", "2", start_method=start_method)
                self.assertExit(run, 0)
                self.assertCounts(run, passed=2, skipped=1)
                self.assertIn("skipped 'no frobnicator here'", run.stderr)
        self.assertNothingLeft()


class OutputTests(ParallelTestCase):
    def test_buffer_puts_output_in_the_failure_report(self):
        run = self.run_parallel("scenarios.test_output", "scenarios.test_normal", "-b")
        self.assertCounts(run, passed=9, failed=1)
        report = run.stderr.split("FAIL: test_prints_and_fails", 1)[1]
        self.assertIn("AssertionError: fails after printing", report)
        self.assertRegex(report, r"Stdout:\nFAILING-STDOUT")
        self.assertNotIn("PASSING-STDOUT", run.output)
        self.assertNotIn("PASSING-STDERR", run.output)
        # Printed once, in the report: not also by the worker on its own.
        self.assertEqual(run.output.count("FAILING-STDOUT"), 1)
        self.assertNothingLeft()

    def test_output_is_forwarded_tagged_with_the_worker(self):
        run = self.run_parallel("scenarios.test_output", "scenarios.test_normal")
        self.assertRegex(run.stdout, r"\[worker [12]\] PASSING-STDOUT")
        self.assertRegex(run.stderr, r"\[worker [12]\] PASSING-STDERR")

    def test_verbose_run_names_the_worker_of_each_test(self):
        run = self.run_parallel("scenarios.test_normal", "-v", "2")
        self.assertRegex(run.stderr, r"test_read .*\[worker [12]\] \.\.\. ok")

    def test_progress_line_on_a_terminal(self):
        # `script` gives the run a pseudo-terminal.
        command = (
            f"{sys.executable} manage.py test scenarios.test_normal "
            "--parallel 2 --start-method spawn"
        )
        run = self.run_command(["script", "-qec", command, "/dev/null"])
        self.assertExit(run, 0)
        # The line is redrawn with \r, which text mode reads as a line end.
        self.assertIn("\n8/8 tests, 0 failed", run.stdout)
        self.assertNotIn("........", run.stdout)


class ClassFixtureTests(ParallelTestCase):
    """setUpClass that skips the class, or kills every worker that runs it."""

    def test_skip_in_set_up_class_counts_as_in_a_serial_run(self):
        labels = ("scenarios.test_class_fixtures", "scenarios.test_normal")
        serial = self.run_tests(*labels)
        run = self.run_parallel(*labels)
        self.assertCounts(serial, passed=9, skipped=1)
        self.assertCounts(run, passed=9, skipped=1)
        self.assertNothingLeft()

    def test_a_fixture_that_kills_workers_ends_its_class_not_the_run(self):
        run = self.run_parallel(
            "scenarios.test_class_fixtures",
            "scenarios.test_normal",
            env={"DP_DIE_IN_SETUPCLASS": "1"},
            timeout=120,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=8, skipped=1, errors=1)
        self.assertIn("DiesInSetUpClass (its remaining tests did not run)", run.stderr)
        self.assertIn("(exit code 4) outside any test", run.stderr)
        self.assertNothingLeft()


class FailfastTests(ParallelTestCase):
    def test_every_worker_stops_at_the_first_failure(self):
        run = self.run_parallel("scenarios.test_failfast", "--failfast")
        self.assertExit(run, 1)
        summary = run.summary
        self.assertEqual(summary["failed"], 1)
        # 42 tests in all; the other worker stops within one test.
        self.assertLess(summary["passed"], 12)
        self.assertNothingLeft()


class BrokenWorkerTests(ParallelTestCase):
    """A worker that cannot set itself up stops the run: no hang, no retry
    loop, nothing left."""

    def check(self, start_method):
        run = self.run_parallel(
            "scenarios.test_normal",
            start_method=start_method,
            env={"DP_BREAK_WORKERS": "1"},
            timeout=120,
        )
        self.assertExit(run, 2)
        self.assertIn("ImportError: this settings module refuses to load", run.stderr)
        errors = [
            line
            for line in run.stderr.splitlines()
            if "django-parallel: error:" in line
        ]
        self.assertEqual(len(errors), 1, run.describe())
        self.assertIn("could not set itself up", errors[0])
        self.assertNothingLeft()

    def test_spawn(self):
        self.check("spawn")

    def test_forkserver(self):
        self.check("forkserver")


class WorkerCountTests(ParallelTestCase):
    def test_processes_are_capped_at_the_number_of_classes(self):
        # Under spawn, 8 workers boot before the 4 classes are known; the
        # other 4 end.
        run = self.run_parallel("scenarios.test_normal", workers=8)
        self.assertCounts(run, passed=8)
        self.assertIn("Cloning test database for alias 'default' 4 times", run.stderr)
        self.assertNothingLeft()

    def test_one_class_runs_serially(self):
        run = self.run_parallel("scenarios.test_normal.FillerA", workers=4)
        self.assertCounts(run, passed=2)
        self.assertNotIn("Cloning", run.stderr)
        self.assertNothingLeft()

    def test_environment_variable_sets_the_auto_base(self):
        run = self.run_parallel(
            "scenarios.test_normal",
            workers="auto-1",
            env={"DJANGO_TEST_PROCESSES": "4"},
        )
        self.assertCounts(run, passed=8)
        self.assertIn("Cloning test database for alias 'default' 3 times", run.stderr)

    def test_bad_environment_variable_is_one_error_line(self):
        run = self.run_parallel(
            "scenarios.test_normal",
            workers="auto/2",
            env={"DJANGO_TEST_PROCESSES": "lots"},
        )
        self.assertOneLineError(run, "DJANGO_TEST_PROCESSES must be a whole number")
        self.assertNothingLeft()


class FourClonesTests(ParallelTestCase):
    """Four clones made at once from one test database (PostgreSQL copies
    every clone from the same template concurrently): each has the
    migrated schema and data, and all are dropped."""

    def test_four_workers(self):
        run = self.run_parallel("scenarios.test_normal", workers=4)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=8)
        self.assertIn("Cloning test database for alias 'default' 4 times", run.stderr)
        self.assertNothingLeft()


class EarlyBootTests(ParallelTestCase):
    """Under spawn and forkserver, workers boot while the parent is still
    discovering the tests; those the run does not need are ended at once.
    Each worker leaves a mark once it has imported the settings."""

    def run_marked(self, *labels, boot_seconds=0, **kw):
        self.marks = self.workdir / "marks"
        self.marks.mkdir()
        env = {"DP_WORKER_MARKS": str(self.marks)}
        if boot_seconds:
            env["DP_SLOW_WORKER_BOOT"] = str(boot_seconds)
        return self.run_parallel(*labels, env=env, **kw)

    def assertBooted(self, count: int, run) -> None:
        """``count`` workers got as far as their settings; then nothing is
        left."""
        marks = list(self.marks.iterdir())
        self.assertEqual(len(marks), count, run.describe())
        for mark in marks:
            mark.unlink()
        self.marks.rmdir()
        self.assertNothingLeft()

    def check(self, start_method):
        # The discovered module waits for a mark (and fails after a minute
        # without one).
        run = self.run_marked(
            "scenarios.test_discovery_waits", start_method=start_method
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertBooted(2, run)

    def test_spawn(self):
        self.check("spawn")

    def test_forkserver(self):
        self.check("forkserver")

    # Workers that take 8 seconds to boot: a run that waited for them (even
    # within the 10 seconds a finished run gives its workers to end) would
    # find their marks.

    def test_serial_run_does_not_wait_for_booting_workers(self):
        run = self.run_marked("scenarios.test_normal.FillerA", boot_seconds=8)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertNotIn("Cloning", run.stderr)
        self.assertBooted(0, run)

    def test_workers_beyond_the_classes_end_at_once(self):
        run = self.run_marked("scenarios.test_normal", boot_seconds=8, workers=8)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=8)
        # The four the four classes need.
        self.assertBooted(4, run)

    def test_unknown_label_ends_the_booted_workers(self):
        run = self.run_marked(
            "scenarios.test_normal", "scenarios.nonexistent", boot_seconds=8
        )
        self.assertExit(run, 2)
        self.assertIn("scenarios.nonexistent", run.stderr)
        self.assertBooted(0, run)


def write_durations_record(project_dir, module: str, durations: dict) -> None:
    """A durations record giving each class of ``module`` its seconds."""
    record = project_dir / ".django_parallel" / "durations.json"
    record.parent.mkdir()
    classes = {f"{module}.{name}": s for name, s in durations.items()}
    record.write_text(json.dumps({"version": 1, "classes": classes}))


class DurationsRecordTests(ParallelTestCase):
    def test_each_run_records_per_class_durations(self):
        # Under a umask of 027, as every file the run makes.
        command = 'umask 027 && exec "$0" manage.py test scenarios.test_normal'
        self.run_command(
            ["sh", "-c", f"{command} --parallel 2", sys.executable],
            env={"TMPDIR": str(self.tmp)},
        )
        record = self.project_dir / ".django_parallel" / "durations.json"
        self.assertTrue(record.exists())
        self.assertEqual(oct(record.stat().st_mode & 0o777), oct(0o640))
        left = [n for n in os.listdir(record.parent) if n.startswith(".durations")]
        self.assertEqual(left, [], "temporary record files left")
        text = record.read_text()
        for name in "ABCD":
            self.assertIn(f'"scenarios.test_normal.Filler{name}"', text)


class DurationsRecordContentsTests(ParallelTestCase):
    """What a run writes into the record: whole classes, fixtures included;
    a blend with what was recorded before; nothing after a stopped run."""

    def recorded(self) -> dict[str, float]:
        record = self.project_dir / ".django_parallel" / "durations.json"
        return json.loads(record.read_text())["classes"]

    def test_a_class_fixture_counts_in_the_class_time(self):
        run = self.run_parallel("scenarios.test_slow_fixture", "scenarios.test_normal")
        self.assertCounts(run, passed=10)
        seconds = self.recorded()["scenarios.test_slow_fixture.SlowFixture"]
        self.assertGreaterEqual(seconds, 0.6)

    def test_a_new_time_moves_the_record_half_way(self):
        write_durations_record(
            self.project_dir, "scenarios.test_normal", {"FillerA": 100.0}
        )
        run = self.run_parallel("scenarios.test_normal")
        self.assertCounts(run, passed=8)
        seconds = self.recorded()["scenarios.test_normal.FillerA"]
        self.assertGreater(seconds, 49.0)
        self.assertLess(seconds, 51.0)

    def test_a_serial_run_records_each_class_bin(self):
        run = self.run_tests("scenarios.test_normal", "--parallel", "1")
        self.assertCounts(run, passed=8)
        record = self.project_dir / ".django_parallel" / "durations.json"
        bins = json.loads(record.read_text())["bins"]
        self.assertEqual(
            sorted(bins), [f"scenarios.test_normal.Filler{x}" for x in "ABCD"]
        )

    def test_a_stopped_run_leaves_the_record_alone(self):
        write_durations_record(
            self.project_dir, "scenarios.test_failfast", {"AFailsFirst": 7.0}
        )
        record = self.project_dir / ".django_parallel" / "durations.json"
        before = record.read_text()
        run = self.run_parallel("scenarios.test_failfast", "--failfast")
        self.assertEqual(run.summary["failed"], 1, run.describe())
        self.assertEqual(record.read_text(), before)


class DurationsScheduleTests(ParallelTestCase):
    """The record decides the order classes are handed out in. With
    --failfast, how many tests pass before the stop shows which class went
    first: AFailsFirst (12 tests, the most) goes first without a record."""

    def write_record(self, durations: dict[str, float]) -> None:
        write_durations_record(self.project_dir, "scenarios.test_failfast", durations)

    def test_without_a_record_the_biggest_class_goes_first(self):
        run = self.run_parallel("scenarios.test_failfast", "--failfast")
        self.assertLess(run.summary["passed"], 12)

    def test_recorded_durations_put_the_longest_class_first(self):
        # Recorded as the quickest class, but too long to open a worker's
        # run with (over 1% of a worker's 4.75 s share): it is handed out
        # last.
        self.write_record({"AFailsFirst": 0.5, **{f"Slow{i}": 1.5 for i in range(6)}})
        run = self.run_parallel("scenarios.test_failfast", "--failfast")
        self.assertEqual(run.summary["failed"], 1)
        self.assertGreaterEqual(run.summary["passed"], 25)

    def test_a_quick_class_opens_a_workers_run(self):
        # Recorded as taking 1 ms, under 1% of a worker's share: a worker
        # starts with it, so its failure stops the run at once.
        self.write_record({"AFailsFirst": 0.001, **{f"Slow{i}": 1.5 for i in range(6)}})
        run = self.run_parallel("scenarios.test_failfast", "--failfast")
        self.assertEqual(run.summary["failed"], 1, run.describe())
        self.assertLess(run.summary["passed"], 12, run.describe())


class BinsScheduleTests(ParallelTestCase):
    """A long TransactionTestCase starts at once on one worker instead of
    after every TestCase, and no TestCase runs after it on that worker."""

    def run_recorded(self, transactional_seconds: float, *args):
        """Run the scenario with a record giving the TransactionTestCase
        ``transactional_seconds`` and each TestCase class one second."""
        write_durations_record(
            self.project_dir,
            "scenarios.test_bins",
            {"LateTransactional": transactional_seconds}
            | {f"Early{i}": 1.0 for i in range(4)},
        )
        return self.run_parallel("scenarios.test_bins", *args)

    # With --failfast, the failing TransactionTestCase stops the run when it
    # starts. Started first, it leaves next to none of the TestCases' 20
    # tests run. Started once every TestCase class has been handed out, it
    # leaves at least three classes (15 tests) run: the other worker may
    # still be in the last class, since bins are per worker.

    def test_long_transaction_test_case_starts_first(self):
        run = self.run_recorded(4.0, "--failfast")
        self.assertEqual(run.summary["failed"], 1, run.describe())
        self.assertLess(run.summary["passed"], 15, run.describe())

    def test_short_transaction_test_case_waits_for_the_test_cases(self):
        run = self.run_recorded(0.1, "--failfast")
        self.assertEqual(run.summary["failed"], 1, run.describe())
        self.assertGreaterEqual(run.summary["passed"], 15, run.describe())

    def test_test_cases_never_follow_it_on_a_worker(self):
        run = self.run_recorded(4.0)
        self.assertCounts(run, passed=20, failed=1)


class ConfiguredSettingsTests(ParallelTestCase):
    """A settings.configure() project whose script changes a setting at run
    time: workers get the configured and the changed settings."""

    project = "configured"

    def run_script(self, *options, env=None):
        environ = {"TMPDIR": str(self.tmp), **(env or {})}
        return self.run_command(
            [sys.executable, "runtests.py", "parallel=2", *options], env=environ
        )

    def test_spawn(self):
        run = self.run_script("start_method=spawn")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertIn("Cloning", run.stderr)
        self.assertNothingLeft()

    def test_forkserver(self):
        run = self.run_script("start_method=forkserver")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)

    def test_unpicklable_setting_is_named(self):
        run = self.run_script("start_method=spawn", env={"DP_UNPICKLABLE_SETTING": "1"})
        self.assertOneLineError(run, "setting CHANGED_AT_RUN_TIME cannot be handed")
        self.assertNothingLeft()


class SystemChecksTests(EveryStartMethod, ParallelTestCase):
    """What the system checks do besides reporting is done in every worker,
    as in a serial run: forked workers start once the parent has run them,
    spawned and forkserver workers run them themselves."""

    def check(self, start_method):
        run = self.run_parallel("scenarios.test_checks", start_method=start_method)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertNothingLeft()

    def test_serial(self):
        run = self.run_tests("scenarios.test_checks")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)


globals().update(backend_variants(SameResultsTests))
globals().update(backend_variants(CrashTests))
globals().update(backend_variants(TimeoutTests))
globals().update(backend_variants(BinsScheduleTests))
globals().update(backend_variants(FourClonesTests))


class KeepDBClonesTests(ParallelTestCase):
    """--keepdb keeps clones, rebuilds them each run, and a clone that this
    run did not make is never dropped without it."""

    def setUp(self):
        super().setUp()
        if self.backend == "sqlite":
            self.extra_env = {
                "DP_SQLITE_TEST_FILE": str(self.db_dir / "test_db.sqlite3")
            }

    def clone(self, slot: int) -> str:
        if self.backend == "sqlite":
            return str(self.db_dir / f"test_db_{slot}.sqlite3")
        return f"test_{self.db_name}_{slot}"

    def tables(self, database: str) -> str:
        if self.backend == "sqlite":
            sql = "select name from sqlite_master where type = 'table'"
        elif self.backend == "postgresql":
            sql = "select tablename from pg_tables where schemaname = 'public'"
        else:
            sql = "show tables"
        return server_sql(self.backend, sql, database)

    def test_stale_clone_is_rebuilt(self):
        first = self.run_parallel("scenarios.test_normal", "--keepdb")
        self.assertCounts(first, passed=8)
        server_sql(
            self.backend, "create table stale_marker (id integer)", self.clone(1)
        )
        self.assertIn("stale_marker", self.tables(self.clone(1)))
        second = self.run_parallel("scenarios.test_normal", "--keepdb")
        self.assertCounts(second, passed=8)
        self.assertNotIn("stale_marker", self.tables(self.clone(1)))
        self.assertIn("scenarios_note", self.tables(self.clone(2)))
        # Without --keepdb, a kept clone is not this run's to replace, and
        # --keepdb is what reuses it.
        third = self.run_parallel("scenarios.test_normal", "--noinput")
        # (Django's own line about the kept test database comes first.)
        self.assertExit(third, 2)
        self.assertIn("run with --keepdb to reuse", third.stderr.splitlines()[-1])
        self.assertIn("scenarios_note", self.tables(self.clone(1)))

    def make_stranger(self) -> None:
        """A database someone else made at clone 1's name, with a row."""
        if self.backend != "sqlite":
            statement = f'create database "{self.clone(1)}"'
            if self.backend == "mysql":
                statement = statement.replace('"', "`")
            server_sql(self.backend, statement)
        server_sql(self.backend, "create table theirs (id integer)", self.clone(1))
        server_sql(self.backend, "insert into theirs values (42)", self.clone(1))

    def assertStrangerIntact(self, run: Run) -> None:
        self.assertOneLineError(run, repr(self.clone(1)))
        self.assertIn("not one django-parallel made", run.stderr)
        self.assertNotIn("--keepdb", run.stderr, "--keepdb would not help")
        self.assertEqual(
            server_sql(self.backend, "select id from theirs", self.clone(1)).strip(),
            "42",
        )

    def test_keepdb_leaves_a_stranger_alone(self):
        self.make_stranger()
        run = self.run_parallel("scenarios.test_normal", "--keepdb")
        self.assertStrangerIntact(run)

    def test_clone_this_run_did_not_make_is_left_alone(self):
        self.make_stranger()
        run = self.run_parallel("scenarios.test_normal", "--noinput")
        self.assertStrangerIntact(run)
        self.assertOneLineError(run, "already exists")
        if self.backend == "sqlite":
            self.assertTrue(Path(self.clone(1)).exists())
        else:
            left = server_databases(self.backend, f"test_{self.db_name}")
            # Besides the migrated-database cache entry, only the stranger.
            self.assertEqual(
                [name for name in left if "_dpcache_" not in name], [self.clone(1)]
            )


class InterruptTests(ParallelTestCase):
    """Ctrl-C ends the workers, drops the clones, removes temporary files and
    prints the partial summary; before the tests run, it ends what was
    started so far."""

    def interrupt(
        self,
        presses: int,
        labels=("scenarios.test_hang", "scenarios.test_normal"),
        ready="HANGING",
        env=None,
        workers=2,
    ) -> Run:
        command = [sys.executable, "manage.py", "test", *labels]
        if workers > 1:
            command += ["--parallel", str(workers), "--start-method", "spawn"]
        process = subprocess.Popen(
            command,
            cwd=self.project_dir,
            env=self.environment(
                env={"TMPDIR": str(self.tmp), "DP_TEST_HANG_READY": "1", **(env or {})}
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        # The run prints a line once it has got where it is interrupted.
        for line in process.stdout:
            if ready in line:
                break
        if presses == 0:
            # Not Ctrl-C: a time-out's SIGTERM, to the runner alone.
            process.send_signal(signal.SIGTERM)
        pressed = time.monotonic()
        for _ in range(presses):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(0.5)
        stdout, stderr = process.communicate(timeout=120)
        self.seconds_to_exit = time.monotonic() - pressed
        return Run(command, process.returncode, stdout, stderr)

    def check(self, presses: int):
        run = self.interrupt(presses)
        self.assertExit(run, 130)
        self.assertIn("Interrupted.", run.stderr)
        self.assertIsNotNone(run.summary, run.describe())
        self.assertNothingLeft()

    def test_first_ctrl_c(self):
        self.check(1)

    def test_second_ctrl_c(self):
        self.check(2)

    def test_sigterm_removes_everything(self):
        run = self.interrupt(0)
        self.assertExit(run, 128 + signal.SIGTERM)
        self.assertNothingLeft()

    def test_sigterm_while_a_worker_writes(self):
        # The worker is killed inside its test's transaction: on SQLite a
        # journal is left beside its clone, and goes with it.
        run = self.interrupt(
            0,
            labels=("scenarios.test_hang_writing", "scenarios.test_normal"),
            env=self.file_database(),
        )
        self.assertExit(run, 128 + signal.SIGTERM)
        self.assertNothingLeft()

    def file_database(self) -> dict:
        if self.backend != "sqlite":
            return {}
        return {"DP_SQLITE_TEST_FILE": str(self.db_dir / "test_db.sqlite3")}

    def test_serial_run_ends_the_running_test_first(self):
        # The press comes while test_hangs (the second test) runs; it goes
        # on to pass 3 s later.
        run = self.interrupt(
            1,
            labels=["scenarios.test_hang"],
            env={"DP_TEST_HANG_SECONDS": "3"},
            workers=1,
        )
        self.assertExit(run, 130)
        self.assertIn("Interrupted.", run.stderr)
        self.assertNotIn("Traceback", run.output, run.describe())
        self.assertEqual(run.summary["passed"], 2, run.describe())
        self.assertEqual(sum(run.summary.values()), 2, run.describe())
        self.assertNothingLeft()

    def test_a_later_run_in_the_same_process_is_not_interrupted(self):
        # Two runs in one process, as a script calling the test command
        # twice makes: Ctrl-C during the first says nothing of the second.
        script = (
            "import os, signal, threading\n"
            "import django\n"
            "from django.core.management import call_command\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'engine_project.settings')\n"
            "django.setup()\n"
            "threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
            "try:\n"
            "    call_command('test', 'scenarios.test_hang', verbosity=0)\n"
            "except SystemExit as exc:\n"
            "    print('first run exit', exc.code, flush=True)\n"
            "call_command('test', 'scenarios.test_normal.FillerA', verbosity=0)\n"
            "print('second run done', flush=True)\n"
        )
        run = self.run_command(
            [sys.executable, "-c", script],
            env={"TMPDIR": str(self.tmp), "DP_TEST_HANG_SECONDS": "3"},
        )
        self.assertExit(run, 0)
        self.assertIn("first run exit 130", run.stdout, run.describe())
        self.assertIn("second run done", run.stdout, run.describe())
        self.assertEqual(run.stderr.count("Interrupted."), 1, run.describe())

    def assertInterruptedCleanly(self, run: Run) -> None:
        """Ended at once (the scenario would go on for a minute), with one
        line and nothing left."""
        self.assertLess(self.seconds_to_exit, 30, run.describe())
        self.assertExit(run, 130)
        self.assertEqual(run.stderr.strip().splitlines()[-1:], ["Interrupted."])
        self.assertNotIn("Traceback", run.output, run.describe())
        self.assertNothingLeft()

    def test_ctrl_c_while_discovering(self):
        # The workers booted before discovery are running when it comes.
        marks = self.workdir / "marks"
        marks.mkdir()
        run = self.interrupt(
            1,
            labels=["scenarios.test_discovery_hangs"],
            ready="DISCOVERING",
            env={"DP_WORKER_MARKS": str(marks)},
        )
        self.assertTrue(any(marks.iterdir()), run.describe())
        shutil.rmtree(marks)
        self.assertInterruptedCleanly(run)

    def test_ctrl_c_while_setting_up_databases(self):
        # Interrupted once the test database is migrated, before the clones.
        run = self.interrupt(
            1,
            labels=["scenarios.test_normal", "--no-db-cache"],
            ready="MIGRATED",
            env={"DP_HANG_AFTER_MIGRATE": "1"},
        )
        self.assertInterruptedCleanly(run)


class HeldInterruptTests(ParallelTestCase):
    """Ctrl-C while the run drops its databases. Another MariaDB session
    holds a metadata lock on a table of clone 1, so dropping that clone
    waits until the session commits: a clean-up that hangs."""

    backend = "mysql"

    def start_locked_run(self):
        command = [
            sys.executable,
            "manage.py",
            "test",
            "scenarios.test_hang",
            "scenarios.test_normal",
            "--parallel",
            "2",
            "--start-method",
            "spawn",
        ]
        env = {
            "TMPDIR": str(self.tmp),
            "DP_TEST_HANG_READY": "1",
            "DP_TEST_HANG_SECONDS": "3",
        }
        self.process = subprocess.Popen(
            command,
            cwd=self.project_dir,
            env=self.environment(env=env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.addCleanup(self.process.kill)
        self.stderr_lines: list[str] = []
        reader = threading.Thread(
            target=lambda: self.stderr_lines.extend(self.process.stderr), daemon=True
        )
        reader.start()
        for line in self.process.stdout:
            if "HANGING" in line:
                break
        # The clones exist and the tests are running.
        clone = f"test_{self.db_name}_1"
        self.lock = subprocess.Popen(
            ["mariadb", "-h", "127.0.0.1", "-u", "root", "-N", "--unbuffered"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(self.release_lock)
        self.lock.stdin.write(
            f"START TRANSACTION; SELECT COUNT(*) FROM `{clone}`.`scenarios_note`;\n"
            "SELECT 'locked';\n"
        )
        self.lock.stdin.flush()
        for line in self.lock.stdout:
            if "locked" in line:
                break
        # The tests end; dropping clone 1 then waits for the lock.
        deadline = time.monotonic() + 60
        while not any("passed" in line for line in self.stderr_lines):
            self.assertLess(time.monotonic(), deadline, "the run did not finish")
            time.sleep(0.1)
        time.sleep(1.0)
        self.assertIsNone(self.process.poll(), "".join(self.stderr_lines))

    def release_lock(self):
        if self.lock.poll() is None:
            self.lock.stdin.write("COMMIT;\n")
            self.lock.stdin.close()
            self.lock.wait(30)

    def press(self):
        os.killpg(self.process.pid, signal.SIGINT)
        time.sleep(1.0)

    def test_ctrl_c_waits_for_the_clean_up(self):
        self.start_locked_run()
        self.press()
        # Still dropping, and saying so.
        self.assertIsNone(self.process.poll())
        self.assertTrue(any("press Ctrl-C again" in line for line in self.stderr_lines))
        self.release_lock()
        self.assertEqual(self.process.wait(60), 130)
        self.assertEqual(self.stderr_lines[-1].strip(), "Interrupted.")
        self.assertNothingLeft()

    def test_a_second_ctrl_c_abandons_the_clean_up(self):
        self.start_locked_run()
        self.press()
        self.press()
        self.assertEqual(self.process.wait(10), 130, "".join(self.stderr_lines))
        self.assertNotIn("Traceback", "".join(self.stderr_lines))
        # As the message said: the clone it was dropping is left.
        self.assertIn(
            f"test_{self.db_name}_1",
            server_databases("mysql", f"test_{self.db_name}"),
        )


class PhaseInterruptTests(ParallelTestCase):
    """Ctrl-C or SIGTERM while the migrations run, while clone 2 is being
    made (in its thread, after clone 1), and while the clones are dropped:
    the run ends with its usual status and leaves no test database, clone,
    SQLite journal, temporary file or process. The project holds the run at
    each moment (scenarios/holds.py) until the test releases it."""

    def setUp(self):
        super().setUp()
        self.release = self.workdir / "release"
        if self.backend == "sqlite":
            # File clones, and journals, beside a file test database.
            self.extra_env = {
                "DP_SQLITE_TEST_FILE": str(self.db_dir / "test_db.sqlite3")
            }

    def signal_at(self, moment: str, signum: int, released: str | None) -> Run:
        """Run until held at ``moment``, send ``signum`` to the runner, then
        release the hold once stderr shows ``released`` (at once if empty);
        the finished run."""
        process = self.start_held_run(moment, self.release)
        stderr: list[str] = []
        seen = threading.Event()

        def read_stderr():
            for line in process.stderr:
                stderr.append(line)
                if released and released in line:
                    seen.set()
            seen.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        stdout = []
        for line in process.stdout:
            stdout.append(line)
            if f"HELD {moment}" in line:
                break
        process.send_signal(signum)
        if released:
            seen.wait(120)
        self.release.touch()
        stdout.append(process.stdout.read())
        process.wait(120)
        reader.join(30)
        return Run(process.args, process.returncode, "".join(stdout), "".join(stderr))

    def assertEnded(self, run: Run, signum: int) -> None:
        self.release.unlink(missing_ok=True)
        if signum == signal.SIGINT:
            self.assertExit(run, 130)
            self.assertIn("Interrupted.", run.stderr)
        else:
            self.assertExit(run, 128 + signal.SIGTERM)
        self.assertNotIn("Traceback", run.output, run.describe())
        self.assertNothingLeft()

    def test_sigterm_while_migrating(self):
        run = self.signal_at("migration", signal.SIGTERM, None)
        self.assertEnded(run, signal.SIGTERM)

    def test_ctrl_c_while_cloning(self):
        run = self.signal_at("cloning", signal.SIGINT, None)
        self.assertEnded(run, signal.SIGINT)

    def test_sigterm_while_cloning(self):
        run = self.signal_at("cloning", signal.SIGTERM, None)
        self.assertEnded(run, signal.SIGTERM)

    def test_ctrl_c_while_cleaning_up(self):
        run = self.signal_at("cleanup", signal.SIGINT, "press Ctrl-C again")
        self.assertIsNotNone(run.summary, run.describe())
        self.assertEnded(run, signal.SIGINT)

    def test_sigterm_while_cleaning_up(self):
        # Held until the clean-up is done, then the run ends as SIGTERM
        # says.
        run = self.signal_at("cleanup", signal.SIGTERM, "a second SIGTERM")
        self.assertIsNotNone(run.summary, run.describe())
        self.assertEnded(run, signal.SIGTERM)


class StuckDriverSignalTests(ParallelTestCase):
    """SIGTERM while the run waits inside mysqlclient's C code (a query
    blocked on a table another session has locked; the driver retries the
    reads a signal interrupts): the run's handler still runs, and once the
    lock is gone the clean-up leaves nothing."""

    backend = "mysql"

    def mariadb(self, sql: str) -> str:
        return server_sql("mysql", sql)

    def blocked(self) -> list[str]:
        return self.mariadb(
            "select id from information_schema.processlist where state like "
            "'Waiting for table metadata lock' and info like '%scenarios_note%' "
            "and info not like '%processlist%'"
        ).split()

    def test_sigterm_while_a_query_waits_for_a_lock(self):
        release = self.workdir / "release"
        process = self.start_held_run("migrated", release)
        for line in process.stdout:
            if "HELD migrated" in line:
                break
        lock = subprocess.Popen(
            ["mariadb", "-h", "127.0.0.1", "-u", "root", "-N", "--unbuffered"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(lock.kill)
        lock.stdin.write(
            f"LOCK TABLES `test_{self.db_name}`.`scenarios_note` WRITE;\n"
            "SELECT 'locked';\n"
        )
        lock.stdin.flush()
        for line in lock.stdout:
            if "locked" in line:
                break
        release.touch()
        # Safety nets only: each wait ends as soon as the state shows.
        deadline = time.monotonic() + 60
        while not self.blocked():
            self.assertLess(time.monotonic(), deadline, "the run never blocked")
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        while self.blocked():
            self.assertLess(
                time.monotonic(), deadline + 60, "SIGTERM did not end the query"
            )
            time.sleep(0.1)
        lock.stdin.write("UNLOCK TABLES;\n")
        lock.stdin.close()
        lock.wait(30)
        stdout, stderr = process.communicate(timeout=120)
        run = Run(process.args, process.returncode, stdout, stderr)
        release.unlink()
        self.assertExit(run, 128 + signal.SIGTERM)
        self.assertNothingLeft()


globals().update(backend_variants(KeepDBClonesTests))
globals().update(backend_variants(InterruptTests))
globals().update(backend_variants(PhaseInterruptTests))


class UncloneableBackendTests(ParallelTestCase):
    """A backend with no clone adapter (Oracle, third-party ones) gets a
    warning and a serial run with the same results."""

    def test_serial_run_with_a_warning(self):
        run = self.run_parallel("scenarios.test_normal", env={"DP_DB": "nocloning"})
        self.assertExit(run, 0)
        self.assertCounts(run, passed=8)
        self.assertIn(
            "Running serially: the database(s) default cannot be cloned", run.output
        )
        self.assertNotIn("Cloning", run.stderr)
        self.assertNothingLeft()


class ReportingInParallelTests(ParallelTestCase):
    """--debug-sql, --durations and --timing in a parallel run show what a
    serial run shows."""

    project = "sample"

    def test_debug_sql_shows_the_workers_queries(self):
        run = self.run_parallel("outcomes", "shop.tests.test_simple", "--debug-sql")
        report = run.stderr.split("FAIL: test_fail", 1)[1].split("=" * 70, 1)[0]
        self.assertRegex(report, r"SELECT COUNT\(\*\) .*shop_item.*needle")

    def test_durations_are_the_workers_measurements(self):
        run = self.run_parallel("shop", "--durations", "3", "-v", "2")
        table = run.stderr.split("Slowest test durations", 1)[1]
        table = table.split("Slowest test classes", 1)[0]
        rows = [line for line in table.splitlines() if re.match(r"\d+\.\d{3}s ", line)]
        self.assertEqual(len(rows), 3, run.describe())

    def test_timing_includes_cloning(self):
        run = self.run_parallel("shop", "--timing")
        self.assertRegex(run.stderr, r"  Cloning 'default' took \d+\.\d+s")
        self.assertIn("Total database setup took", run.stderr)

    def test_shuffle_seed_is_printed(self):
        run = self.run_parallel("shop", "ordering_app", "--shuffle", "42")
        self.assertIn("Using shuffle seed: 42 (given)", run.stdout)
        self.assertEqual(run.summary["seed"], 42)
        self.assertCounts(run, passed=27, seed=42)
