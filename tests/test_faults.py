"""The fault catalogue (tests/projects/faults): tests that exit, kill or
starve their own process, hang in tests and fixtures, raise what a runner may
not expect, flood the output, leave threads or kill their database session;
and a run whose parent is killed or interrupted while tests run.

Whatever a test does, the run must end on its own, exit with status 1, name
each culprit once, report every other test, print no traceback of the runner
itself and leave nothing behind: no file, database or process. What each
fault must give is written down in the project (catalogue/expected.py).
Ctrl-C is sent at known phases (discovery, migration, tests), found through
files the project leaves there, never after a guessed delay. To see what each
fault does alone: tests/projects/faults/matrix.py.

The subprocess time-outs below are safety nets for a run that hangs; no
assertion depends on how long anything takes.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from support import PROJECTS, Run, backend_variants, server_databases
from test_parallel import ParallelTestCase, processes_in

# A run that has not ended by then is killed and reported as a hang.
SAFETY_TIMEOUT = float(os.environ.get("DP_FAULTS_SAFETY_TIMEOUT", "240"))
# What a signal to the run may take before no process of it is left
# (issue #12: "no worker alive within 10 s").
PROCESS_GRACE = 10.0

_spec = importlib.util.spec_from_file_location(
    "faults_expected", PROJECTS / "faults" / "catalogue" / "expected.py"
)
expected = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(expected)

HEADING = re.compile(r"^(?:ERROR|FAIL): (?P<what>.*)$", re.MULTILINE)
RULE = "-" * 70
REPORT_BLOCK = re.compile(
    r"^={70}\n(?:ERROR|FAIL): .*\n-{70}\n.*?(?=^={70}$|^-{70}$|\Z)",
    re.MULTILINE | re.DOTALL,
)
# A frame of a Python traceback (faulthandler's stack dumps, which a
# --timeout report holds, write "line N in" without the comma).
RUNNER_FRAME = re.compile(r'File "[^"]*django_parallel[/\\][^"]*", line \d+, in ')


def processes_with(token: str) -> dict[int, str]:
    """Live processes whose environment holds ``DP_FAULTS_RUN=token``: the
    run, its workers and anything they started, wherever they chdir."""
    needle = f"DP_FAULTS_RUN={token}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found[int(entry.name)] = cmdline.decode(errors="replace")
    return found


def runner_tracebacks(output: str) -> list[str]:
    """Tracebacks outside the reports of failed tests that pass through the
    runner's own code."""
    outside = REPORT_BLOCK.sub("", output)
    found = []
    for block in outside.split("Traceback (most recent call last):")[1:]:
        if RUNNER_FRAME.search(block[:6000]):
            found.append("Traceback (most recent call last):" + block[:1500])
    return found


class FaultsTestCase(ParallelTestCase):
    project = "faults"

    def setUp(self):
        super().setUp()
        self.token = uuid.uuid4().hex
        # Outside the project's copy, so that they are not taken for leftovers.
        self.outdir = Path(tempfile.mkdtemp(prefix="dp-faults-out-"))
        self.addCleanup(shutil.rmtree, self.outdir, ignore_errors=True)
        self.markers = self.outdir / "markers"
        self.markers.mkdir()
        self.addCleanup(self.kill_leftovers)

    def kill_leftovers(self) -> None:
        # Only this test's own processes: those carrying its token.
        for pid in processes_with(self.token):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def start(self, *args: str, start_method: str, env=None) -> subprocess.Popen:
        command = [sys.executable, "manage.py", "test", *args]
        command += ["--parallel", "2", "--start-method", start_method]
        env = self.environment(
            env={
                "TMPDIR": str(self.tmp),
                "DP_FAULTS_RUN": self.token,
                "DP_FAULTS_MARKERS": str(self.markers),
                **(env or {}),
            }
        )
        self.command = command
        self.stdout_file = open(self.outdir / "stdout", "wb")
        self.stderr_file = open(self.outdir / "stderr", "wb")
        self.addCleanup(self.stdout_file.close)
        self.addCleanup(self.stderr_file.close)
        # Files, not pipes: a worker that outlives the run keeps them open.
        return subprocess.Popen(
            command,
            cwd=self.project_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.stdout_file,
            stderr=self.stderr_file,
            start_new_session=True,
        )

    def finish(self, process: subprocess.Popen) -> tuple[Run, bool]:
        """Wait for the run (killing it past the safety net); the run and
        whether it ended on its own."""
        try:
            process.wait(timeout=SAFETY_TIMEOUT)
            ended = True
        except subprocess.TimeoutExpired:
            ended = False
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
            process.wait()
            self.kill_leftovers()
        return self.collected(process.returncode), ended

    def collected(self, returncode) -> Run:
        self.stdout_file.flush()
        self.stderr_file.flush()
        stdout = (self.outdir / "stdout").read_bytes().decode(errors="replace")
        stderr = (self.outdir / "stderr").read_bytes().decode(errors="replace")
        return Run(self.command, returncode, stdout, stderr)

    def wait_for_markers(self, process: subprocess.Popen, count: int) -> bool:
        """Whether ``count`` waiting tests have said they run (False when the
        run ended first or the safety net ran out)."""
        deadline = time.monotonic() + SAFETY_TIMEOUT
        while time.monotonic() < deadline:
            if len(os.listdir(self.markers)) >= count:
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def describe(self, run: Run) -> str:
        # The catalogue prints 30 MB; the description keeps what matters.
        headings = "\n".join(m.group(0) for m in HEADING.finditer(run.stderr))
        return f"{run.describe()}\n--- report headings\n{headings}"

    def assertProcessesGone(self) -> None:
        """No process of the run is left, allowing PROCESS_GRACE for the
        ones being ended (polled, not slept)."""
        deadline = time.monotonic() + PROCESS_GRACE
        while processes_with(self.token) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = processes_with(self.token)
        self.assertEqual(left, {}, "processes of the run left")
        self.assertEqual(processes_in(self.workdir), [], "processes left")

    def assertNothingLeft(self) -> None:
        self.assertProcessesGone()
        # Files, test databases and clones, temporary files.
        super(ParallelTestCase, self).assertNothingLeft()
        self.assertEqual(sorted(os.listdir(self.tmp)), [], "temporary files left")

    def assertNoRunnerTraceback(self, run: Run) -> None:
        self.assertEqual(runner_tracebacks(run.output), [], self.describe(run))

    def check_faults(self, start_method: str, names=expected.CATALOGUE) -> None:
        """Run the faults ``names`` together and check the run from outside."""
        want = expected.expected(list(names), self.backend)
        process = self.start(
            *want["labels"], "--timeout", "5", start_method=start_method
        )
        run, ended = self.finish(process)
        self.last_run, self.last_ended = run, ended
        info = self.describe(run)
        with self.subTest("the run ends on its own"):
            self.assertTrue(ended, info)
        with self.subTest("exit status"):
            blamed = want["counts"]["errors"] + want["counts"]["failed"]
            self.assertExit(run, 1 if blamed else 0)
        with self.subTest("every test reported once"):
            self.assertIsNotNone(run.summary, info)
            counts = {key: run.summary[key] for key in expected.COUNT_KEYS}
            self.assertEqual(counts, want["counts"], info)
        headings = [m.group("what") for m in HEADING.finditer(run.stderr)]
        for pattern in want["culprits"]:
            with self.subTest("culprit named once", culprit=pattern):
                named = [h for h in headings if re.match(pattern, h)]
                self.assertEqual(len(named), 1, f"{pattern}\n{info}")
        with self.subTest("no other test blamed"):
            self.assertEqual(len(headings), blamed, info)
        for text in want["output"]:
            with self.subTest("output shown", text=text):
                self.assertIn(text, run.output, info)
        with self.subTest("no traceback from the runner"):
            self.assertNoRunnerTraceback(run)
        with self.subTest("nothing left"):
            self.assertNothingLeft()

    # Ctrl-C on the run's process group, as a terminal sends it, at a known
    # phase: while the test modules are imported, while the test database
    # is migrated, and once both workers are in a test that would never end
    # on its own. Under spawn, workers boot from the start of the run.
    def interrupt_at(self, point: str, start_method: str) -> Run:
        env = {} if point == "tests" else {"DP_FAULTS_WAIT_AT": point}
        process = self.start(
            "catalogue.test_waiting",
            "catalogue.test_ordinary",
            start_method=start_method,
            env=env,
        )
        running = self.wait_for_markers(process, 2 if point == "tests" else 1)
        if running:
            os.killpg(process.pid, signal.SIGINT)
        run, ended = self.finish(process)
        info = self.describe(run)
        self.assertTrue(running, f"the run never got to {point}\n{info}")
        with self.subTest("the run ends on its own", point=point):
            self.assertTrue(ended, info)
        with self.subTest("interrupted", point=point):
            self.assertExit(run, 130)
            self.assertIn("Interrupted.", run.stderr, info)
        with self.subTest("no traceback from the runner", point=point):
            self.assertNoRunnerTraceback(run)
        with self.subTest("nothing left", point=point):
            self.assertNothingLeft()
        return run


class CatalogueTests(FaultsTestCase):
    """Every fault of the catalogue in one run, per start method."""

    def test_spawn(self):
        self.check_faults("spawn")

    def test_fork(self):
        self.check_faults("fork")

    ctrl_c_start_method = {"sqlite": "spawn", "postgresql": "fork", "mysql": "fork"}

    def test_ctrl_c_while_tests_run(self):
        run = self.interrupt_at("tests", self.ctrl_c_start_method[self.backend])
        self.assertIsNotNone(run.summary, self.describe(run))

    def test_ctrl_c_during_migration(self):
        self.interrupt_at("migration", "spawn")
        # Migrating never finished: nothing may have gone into the cache of
        # migrated databases, half made or not.
        cache = self.project_dir / ".django_parallel" / "dbcache"
        self.assertEqual(sorted(os.listdir(cache)) if cache.exists() else [], [])
        self.assertEqual(server_databases(self.backend, f"test_{self.db_name}"), [])


class SQLiteOnlyCatalogueTests(FaultsTestCase):
    """Forkserver, and the parent killed with SIGKILL under every start
    method: once on SQLite, the start method being what matters."""

    def test_forkserver(self):
        self.check_faults("forkserver")

    def test_ctrl_c_during_discovery(self):
        # Nothing exists on a server yet; spawned workers are booting.
        self.interrupt_at("import", "spawn")

    def test_worker_boot_hangs(self):
        # An app whose ready() waits for ever, in spawned workers only: with
        # --timeout, the run must still end, with an error, leaving nothing.
        process = self.start(
            "catalogue.test_ordinary",
            "--timeout",
            "5",
            start_method="spawn",
            env={"DP_FAULTS_HANG_BOOT": "1"},
        )
        run, ended = self.finish(process)
        info = self.describe(run)
        with self.subTest("the run ends on its own"):
            self.assertTrue(ended, info)
        with self.subTest("an error status"):
            self.assertNotIn(run.returncode, (0, -signal.SIGKILL), info)
        with self.subTest("no traceback from the runner"):
            self.assertNoRunnerTraceback(run)
        with self.subTest("nothing left"):
            self.assertNothingLeft()

    def kill_parent(self, start_method: str) -> None:
        process = self.start(
            "catalogue.test_waiting",
            "catalogue.test_ordinary",
            start_method=start_method,
        )
        running = self.wait_for_markers(process, 2)
        if running:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        else:
            self.finish(process)
        self.assertTrue(running, self.describe(self.collected(process.returncode)))
        # The run's files and clones stay (nothing could remove them); its
        # workers must not.
        self.assertProcessesGone()

    def test_parent_killed_spawn(self):
        self.kill_parent("spawn")

    def test_parent_killed_forkserver(self):
        self.kill_parent("forkserver")

    def test_parent_killed_fork(self):
        self.kill_parent("fork")


globals().update(backend_variants(CatalogueTests))
