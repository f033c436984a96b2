"""What a worker process does off the happy path, seen from outside: it ends
with the runner, stops before its next test, reports whatever a test raises
and whatever it writes, and its results read right at -v 2."""

import os
import re
import signal
import subprocess
import sys
import threading
import time

from support import Run
from test_parallel import EveryStartMethod, ParallelTestCase, processes_in

STOPPING = "django-parallel: stopping: no worker starts another test"


class MarkedRunTestCase(ParallelTestCase):
    """Runs whose tests and driver wait for each other through marker files
    (scenarios/marks.py)."""

    def setUp(self):
        super().setUp()
        self.marks = self.workdir / "marks"
        self.marks.mkdir()
        self.initial_files = self.project_files()

    def project_files(self) -> set[str]:
        # Marker files are this test's own, not a leak of the run.
        return {
            name for name in super().project_files() if not name.startswith("marks")
        }

    def marked(self) -> set[str]:
        return {path.name for path in self.marks.iterdir()}

    def start(self, *labels, start_method="spawn") -> subprocess.Popen:
        command = [sys.executable, "manage.py", "test", *labels]
        command += ["--parallel", "2", "--start-method", start_method]
        process = subprocess.Popen(
            command,
            cwd=self.project_dir,
            env=self.environment(
                env={"TMPDIR": str(self.tmp), "DP_MARKS": str(self.marks)}
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.addCleanup(self.end, process)
        process.command = command
        return process

    def end(self, process: subprocess.Popen) -> None:
        """Safety net: nothing this test started outlives it."""
        # The whole group: workers may outlive a runner killed by the test.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if process.poll() is None:
            process.communicate()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    def wait_for_marks(self, *names, process, seconds=120) -> None:
        deadline = time.monotonic() + seconds
        while not set(names) <= self.marked():
            if process.poll() is not None or time.monotonic() > deadline:
                self.fail(f"never marked {names}: {sorted(self.marked())}")
            time.sleep(0.05)


class ParentKilledTests(EveryStartMethod, MarkedRunTestCase):
    """SIGKILL of the runner (the OOM killer, a CI job killed) ends its
    workers, even ones blocked inside a test that never returns."""

    def check(self, start_method):
        process = self.start(
            "scenarios.test_stop.InterruptedA",
            "scenarios.test_stop.InterruptedB",
            start_method=start_method,
        )
        self.wait_for_marks("InterruptedA.1", "InterruptedB.1", process=process)
        self.assertNotEqual(processes_in(self.workdir), [])
        process.kill()
        process.communicate(timeout=60)
        # Polled for the condition, up to the 10 s the issue allows.
        deadline = time.monotonic() + 10
        while processes_in(self.workdir) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(processes_in(self.workdir), [], "workers outlived the runner")


class InterruptStopsBeforeTheNextTestTests(MarkedRunTestCase):
    """Ctrl-C while every worker runs its first test: those tests finish,
    and no worker starts a second one."""

    def check(self, start_method):
        process = self.start(
            "scenarios.test_stop.InterruptedA",
            "scenarios.test_stop.InterruptedB",
            start_method=start_method,
        )
        self.wait_for_marks("InterruptedA.1", "InterruptedB.1", process=process)
        os.killpg(process.pid, signal.SIGINT)
        # The runner says when the stop is in force; only then do the
        # running tests go on to finish.
        seen = []
        # Safety net only: a run that never says so is ended.
        guard = threading.Timer(180, self.end, (process,))
        guard.start()
        try:
            for line in process.stderr:
                seen.append(line)
                if STOPPING in line:
                    break
        finally:
            guard.cancel()
        self.assertIn(STOPPING, "".join(seen))
        (self.marks / "release").touch()
        stdout, stderr = process.communicate(timeout=120)
        run = Run(process.command, process.returncode, stdout, "".join(seen) + stderr)
        self.assertExit(run, 130)
        self.assertEqual(
            self.marked(),
            {"InterruptedA.1", "InterruptedB.1", "release"},
            run.describe(),
        )
        self.assertCounts(run, passed=2)
        self.assertNothingLeft()

    def test_spawn(self):
        self.check("spawn")

    def test_fork(self):
        self.check("fork")


class FailfastStopsBeforeTheNextTestTests(MarkedRunTestCase):
    def test_no_worker_starts_a_test_after_the_failure(self):
        process = self.start(
            "scenarios.test_stop.FailsOnceTheOtherRuns",
            "scenarios.test_stop.WaitsForTheStop",
            "--failfast",
        )
        stdout, stderr = process.communicate(timeout=120)
        run = Run(process.command, process.returncode, stdout, stderr)
        self.assertExit(run, 1)
        self.assertCounts(run, passed=1, failed=1)
        self.assertEqual(
            self.marked(),
            {"FailsOnceTheOtherRuns.1", "WaitsForTheStop.1", "failing-class-done"},
            run.describe(),
        )
        self.assertNothingLeft()


class VerboseLinesTests(MarkedRunTestCase):
    """-v 2 with two tests running at once: each outcome is on the line of
    its own test."""

    def test_each_result_on_its_tests_line(self):
        process = self.start("scenarios.test_meet", "-v", "2")
        stdout, stderr = process.communicate(timeout=120)
        run = Run(process.command, process.returncode, stdout, stderr)
        self.assertExit(run, 1)
        line = r"^{} \(scenarios\.test_meet\.{}[^\n]*\) \[worker [12]\] \.\.\. {}$"
        self.assertRegex(
            run.stderr, re.compile(line.format("test_a1", "MeetA", "FAIL"), re.M)
        )
        self.assertRegex(
            run.stderr, re.compile(line.format("test_b1", "MeetB", "ok"), re.M)
        )
        self.assertNothingLeft()


class BaseExceptionTests(EveryStartMethod, ParallelTestCase):
    """KeyboardInterrupt, SystemExit, GeneratorExit or another BaseException
    from a test or a fixture is that test's (or fixture's) error, as an
    exception would be; its transaction is rolled back and the rest runs."""

    def check(self, start_method):
        run = self.run_parallel(
            "scenarios.test_base_exceptions",
            "scenarios.test_normal",
            start_method=start_method,
            timeout=180,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=9, errors=5)
        for test, error in [
            ("test_keyboard_interrupt", "KeyboardInterrupt"),
            ("test_system_exit", "SystemExit: 3"),
            ("test_generator_exit", "GeneratorExit"),
            ("test_not_an_exception", "NotAnException: a BaseException subclass"),
            ("setUpClass", "SystemExit: 4"),
        ]:
            report = run.stderr.split(f"ERROR: {test} (scenarios.", 1)
            self.assertEqual(len(report), 2, f"{test} not reported\n{run.describe()}")
            self.assertIn(error, report[1].split("-" * 70 + "\n\n", 1)[0], test)
        self.assertNotIn("RaisedBaseException", run.output)
        self.assertNothingLeft()


class BaseExceptionServerTests(ParallelTestCase):
    """The same on the database servers, where a transaction left open would
    show (one start method: the backend is what differs)."""

    backend = "postgresql"
    check = BaseExceptionTests.check

    def test_spawn(self):
        self.check("spawn")


class BaseExceptionMySQLTests(BaseExceptionServerTests):
    backend = "mysql"


class BrokenWorkerOSErrorTests(ParallelTestCase):
    """An OSError while a worker sets itself up is reported with its
    traceback, not taken for the parent's end."""

    def test_spawn(self):
        run = self.run_parallel(
            "scenarios.test_normal", env={"DP_BREAK_WORKERS": "oserror"}, timeout=120
        )
        self.assertExit(run, 2)
        self.assertIn(
            "OSError: this settings module cannot read its file in a worker", run.stderr
        )
        self.assertIn("Traceback", run.stderr)
        errors = [
            line
            for line in run.stderr.splitlines()
            if "django-parallel: error:" in line
        ]
        self.assertEqual(len(errors), 1, run.describe())
        self.assertIn("could not set itself up", errors[0])
        self.assertNothingLeft()


class DescriptorOutputTests(ParallelTestCase):
    """What tests write to file descriptors 1 and 2 directly is shown,
    tagged with the worker, as Django's runner shows it."""

    def test_forwarded(self):
        run = self.run_parallel("scenarios.test_fd_output", "scenarios.test_normal")
        # The report of a failure would hold megabytes: summed up instead.
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        self.assertEqual(run.summary["passed"], 10, run.stderr[-2000:])
        for line in [
            "FD-STDOUT",
            "BUFFER-STDOUT",
            "CHILD-STDOUT",
            r"SURROGATE \\udcff",
        ]:
            self.assertRegex(run.stdout, rf"\[worker [12]\] {line}\n")
        tagged = r"\[worker [12]\] {}\n"
        for line in ["FD-STDERR \\\\xff\\\\xfe not utf-8", "CHILD-STDERR", "HUGE-END"]:
            found = re.search(tagged.format(line), run.stderr)
            self.assertTrue(found, f"{line} not shown: {run.stderr[-2000:]}")
        untagged = re.sub(r"\[worker \d\] ", "", run.stderr)
        self.assertTrue("x" * (3 << 20) + "\n" in untagged, "the long line is cut")
        self.assertNothingLeft()


WATCHED_CHILD = """
import multiprocessing, os, sys, threading
from django_parallel.parallel.worker import _watch_parent

def child(marks):
    parent = multiprocessing.parent_process()
    threading.Thread(
        target=_watch_parent, args=(parent.sentinel, os.getppid()), daemon=True
    ).start()
    open(os.path.join(marks, str(os.getpid())), "w").close()
    threading.Event().wait()

if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[2])
    process = context.Process(target=child, args=(sys.argv[1],))
    process.start()
    process.join()
"""


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


class ParentWatchFallbackTests(EveryStartMethod, MarkedRunTestCase):
    """Where the kernel cannot kill a worker with its parent (not Linux), a
    thread watches the parent: run here on its own, in a real child."""

    def check(self, start_method):
        script = self.workdir / "watched.py"
        script.write_text(WATCHED_CHILD)
        process = subprocess.Popen(
            [sys.executable, str(script), str(self.marks), start_method],
            # The killed parent cannot remove its multiprocessing directory.
            env=self.environment(env={"TMPDIR": str(self.tmp)}),
            start_new_session=True,
        )
        self.addCleanup(self.end, process)
        deadline = time.monotonic() + 60
        while not self.marked() and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = [int(name) for name in self.marked()]
        process.kill()
        process.wait()
        deadline = time.monotonic() + 10
        while running(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse(running(child), "the child outlived its parent")
