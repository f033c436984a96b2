"""The supervisor driven by fake workers: real processes and pipes under the
real multiprocessing context, running a small function of this module that
speaks the worker protocol and misbehaves as asked. Bounds (grace periods,
--timeout) are the supervisor's own, made short; the assertions are on
outcomes only."""

import multiprocessing
import os
import pickle
import shutil
import tempfile
import threading
import unittest
from contextlib import contextmanager
from dataclasses import dataclass

from django_parallel.parallel.events import (
    Outcome,
    TaskDone,
    TestOutcome,
    TestStarted,
    TestStopped,
    WorkerReady,
)
from django_parallel.parallel.plan import WorkerDatabases, WorkerPlan
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.scheduling import Planned, Schedule
from django_parallel.parallel.supervisor import Supervisor, WorkerStartError
from django_parallel.parallel.worker import Task

# Fork where there is one (quick, and what replacements under fork use).
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


class SampleA(unittest.TestCase):
    # Not test_*: run through the fake workers only, never discovered.
    def check_1(self):
        pass

    def check_2(self):
        pass


class SampleB(SampleA):
    pass


@dataclass(frozen=True)
class FakeWorker:
    """A worker process that speaks the protocol and, as asked: dies in
    each test, hangs in each class's fixtures, crashes while closing, or
    never exits after closing. Each process it runs in appends a line to
    its slot's log file, so the test can count the processes."""

    # "pass", "die", "die-saying-timeout", "hang-up" (close the pipe, live on)
    in_test: str = "pass"
    in_fixture: str = "none"  # "none", "hang"
    at_boot: str = "none"  # "none", "hang" (before reading its databases)
    on_close: str = "exit"  # "exit", "crash", "linger"

    def __call__(self, plan, conn, stop_event) -> None:
        with open(plan.log_file, "a") as log:
            log.write(f"started {os.getpid()}\n")
        if self.at_boot == "hang":
            threading.Event().wait()
        if conn.recv() is None:
            return
        conn.send(WorkerReady(plan.slot, os.getpid()))
        while (task := conn.recv()) is not None:
            tests = pickle.loads(task.tests)
            if self.in_fixture == "hang":
                threading.Event().wait()
            for index in range(len(tests)):
                conn.send(TestStarted(task.id, index, _size(plan.log_file)))
                if self.in_test == "hang-up":
                    conn.close()
                    threading.Event().wait()
                if self.in_test != "pass":
                    if self.in_test == "die-saying-timeout":
                        with open(plan.log_file, "a") as log:
                            log.write("Timeout (0:00:01)!\n")
                    os._exit(1)
                conn.send(TestOutcome(task.id, index, Outcome.SUCCESS))
                conn.send(TestStopped(task.id, index, 0.0))
            conn.send(TaskDone(task.id))
        conn.close()
        if self.on_close == "crash":
            os._exit(5)
        if self.on_close == "linger":
            threading.Event().wait()


def _size(path):
    return os.path.getsize(path)


class SupervisorTests(unittest.TestCase):
    def setUp(self):
        current = multiprocessing.current_process()
        if current.daemon:
            # This suite's own workers are daemonic (as Django's are), and
            # multiprocessing refuses children to those; a supervisor here
            # needs them.
            current._config["daemon"] = False
            self.addCleanup(current._config.__setitem__, "daemon", True)
        self.workspace = tempfile.mkdtemp(prefix="dp-supervisor-")
        self.addCleanup(shutil.rmtree, self.workspace, ignore_errors=True)
        self.warnings = []

    def plan(self, slot: int, timeout=None) -> WorkerPlan:
        return WorkerPlan(
            slot=slot,
            settings_module=None,
            settings_values={},
            sys_path=[],
            cwd=self.workspace,
            process_setup=None,
            process_setup_args=(),
            debug_mode=False,
            buffer=False,
            failfast=False,
            debug_sql=False,
            verbosity=0,
            timeout=timeout,
            log_file=os.path.join(self.workspace, f"worker-{slot}.log"),
        )

    def run_supervisor(
        self,
        worker: FakeWorker,
        start_method=START_METHOD,
        databases=None,
        **options,
    ) -> unittest.TestResult:
        timeout = options.get("timeout")
        self.supervisor = Supervisor(
            multiprocessing.get_context(start_method),
            [self.plan(slot, timeout) for slot in (1, 2)],
            target=worker,
            warn=self.warnings.append,
            **options,
        )
        self.addCleanup(self.supervisor.shutdown, at_once=True)
        test_lists = {
            0: [SampleA("check_1"), SampleA("check_2")],
            1: [SampleB("check_1"), SampleB("check_2")],
        }
        schedule = Schedule(
            [
                Planned(Task(task_id, pickle.dumps(tests)), 0, 1.0)
                for task_id, tests in test_lists.items()
            ],
            [1, 2],
        )
        result = unittest.TestResult()
        self.supervisor.start()
        self.supervisor.run(
            schedule,
            test_lists,
            Replayer(result, test_lists),
            lambda slot: databases or WorkerDatabases({}, {}, {}),
        )
        for slot in self.supervisor.slots:
            self.assertIsNone(slot.process, "a worker was left running")
        return result

    def processes_started(self) -> int:
        lines = 0
        for slot in (1, 2):
            with open(os.path.join(self.workspace, f"worker-{slot}.log")) as log:
                lines += sum(line.startswith("started ") for line in log)
        return lines

    def test_normal_run(self):
        result = self.run_supervisor(FakeWorker())
        self.assertEqual(result.testsRun, 4)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(self.warnings, [])
        self.assertEqual(self.processes_started(), 2)
        self.assertIsNone(self.supervisor.failure)

    def test_worker_that_never_exits_is_killed_and_named(self):
        result = self.run_supervisor(FakeWorker(on_close="linger"), exit_grace=0.2)
        self.assertEqual(result.testsRun, 4)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(len(self.warnings), 2, self.warnings)
        for warning in self.warnings:
            self.assertIn("did not exit within 0.2s of being told to", warning)
            self.assertIn("a thread left running?", warning)
        # A worker that ran a class names it (one may have run none).
        self.assertRegex(
            " ".join(self.warnings), r"after test_supervisor\.Sample[AB]: a thread"
        )
        self.assertEqual(self.processes_started(), 2)

    def test_crash_while_closing_is_not_replaced(self):
        result = self.run_supervisor(FakeWorker(on_close="crash"))
        self.assertEqual(result.testsRun, 4)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(len(self.warnings), 2, self.warnings)
        for warning in self.warnings:
            self.assertIn("(exit code 5) while closing", warning)
        self.assertEqual(self.processes_started(), 2)

    def test_restart_cap_ends_the_run(self):
        result = self.run_supervisor(FakeWorker(in_test="die"), max_restarts=2)
        # Two workers, and two replacements: then the run stops.
        self.assertEqual(self.processes_started(), 4)
        self.assertIn("--max-restarts 2", self.supervisor.failure)
        self.assertIn("died 3 times", self.supervisor.failure)
        self.assertGreaterEqual(len(result.errors), 3)
        self.assertTrue(result.shouldStop)

    def test_every_fork_is_inside_the_guard(self):
        entered = []

        @contextmanager
        def guard():
            entered.append(1)
            yield

        self.run_supervisor(FakeWorker(in_test="die"), max_restarts=2, fork_guard=guard)
        expected = 4 if START_METHOD == "fork" else 0
        self.assertEqual(len(entered), expected)

    def test_hang_in_a_class_fixture_is_bounded_by_the_timeout(self):
        result = self.run_supervisor(
            FakeWorker(in_fixture="hang"), timeout=0.2, hang_grace=0.1
        )
        self.assertEqual(result.testsRun, 0)
        described = sorted(str(test) for test, _ in result.errors)
        self.assertEqual(len(described), 2, result.errors)
        self.assertIn("test_supervisor.SampleA (its remaining tests", described[0])
        self.assertIn("test_supervisor.SampleB (its remaining tests", described[1])
        for _, text in result.errors:
            self.assertIn("did not finish within --timeout 0.2s", text)
            self.assertIn("outside any test", text)
        self.assertIsNone(self.supervisor.failure)

    def test_timeout_text_without_timeout_is_a_plain_crash(self):
        result = self.run_supervisor(
            FakeWorker(in_test="die-saying-timeout"), max_restarts=0
        )
        self.assertTrue(result.errors)
        for _, text in result.errors:
            self.assertIn("died (exit code 1)", text)
            self.assertNotIn("--timeout", text)

    def test_worker_that_hangs_up_and_lives_on_is_killed(self):
        result = self.run_supervisor(
            FakeWorker(in_test="hang-up"), exit_grace=0.2, max_restarts=0
        )
        self.assertTrue(result.errors)
        for _, text in result.errors:
            self.assertIn("did not exit within 0.2s of closing its pipe", text)
        self.assertIn("--max-restarts 0", self.supervisor.failure)

    def test_worker_that_never_boots_is_bounded_by_the_timeout(self):
        # Serialized contents bigger than a pipe holds: sending them to a
        # worker that reads nothing must not block the parent.
        databases = WorkerDatabases({}, {}, {"default": "x" * (4 << 20)})
        with self.assertRaisesRegex(
            WorkerStartError, "did not set itself up within --timeout 0.2s"
        ):
            self.run_supervisor(
                FakeWorker(at_boot="hang"),
                start_method="spawn",
                databases=databases,
                timeout=0.2,
                hang_grace=0.1,
            )
