"""A worker process: sets itself up from a ``WorkerPlan``, then runs the test
classes the parent sends, one event per fact (django/test/runner.py's
``_init_worker`` and ``RemoteTestRunner``).

Protocol on the worker's pipe: the parent sends one ``WorkerDatabases`` once
the test databases exist (the worker boots Django meanwhile), then ``Task``
objects, and finally ``None``. The worker sends ``WorkerReady`` (or
``WorkerBroken``) once, then for each task the events of its tests and
``TaskDone``.
"""

from __future__ import annotations

import faulthandler
import gc
import io
import logging
import os
import pickle
import signal
import sqlite3
import sys
import threading
import time
import traceback
import unittest
from dataclasses import dataclass

from django_parallel.parallel.events import (
    ContextError,
    ContextSkipped,
    Outcome,
    Output,
    SubTestOutcome,
    TaskDone,
    TestOutcome,
    TestStarted,
    TestStopped,
    ThreadsLeft,
    WorkerBroken,
    WorkerReady,
)
from django_parallel.parallel.plan import WorkerDatabases, WorkerPlan


@dataclass(frozen=True)
class Task:
    """One test class (or what is left of one) for one worker."""

    id: int
    tests: bytes  # the pickled list of test instances
    # How many workers died on this class outside any test before.
    retries: int = 0


class ForwardingStream(io.TextIOBase):
    """sys.stdout/sys.stderr of a worker: whole lines go to the parent."""

    def __init__(self, send, slot: int, name: str) -> None:
        self._send = send
        self._slot = slot
        self.name = name
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self._send(Output(self._slot, self.name, complete + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._send(Output(self._slot, self.name, self._pending))
            self._pending = ""


class EventResult(unittest.TestResult):
    """Turns what happens to each test into events for the parent."""

    def __init__(self, send, plan: WorkerPlan, stop_event) -> None:
        super().__init__()
        self._send = send
        self.buffer = plan.buffer
        # unittest stops this worker at its first failure; stop() below
        # tells the other workers at once, without waiting for the parent.
        self.failfast = plan.failfast
        self._timeout = plan.timeout
        self._log_file = plan.log_file
        self._stop_event = stop_event
        self.task = -1
        self.index_of: dict[int, int] = {}
        self._started = 0.0
        self._sql = _SQLCapture() if plan.debug_sql else None

    def stop(self) -> None:
        super().stop()
        if self.failfast:
            self._stop_event.set()

    def arm_timeout(self) -> None:
        """(Re)start the --timeout clock: past it, faulthandler dumps every
        thread's stack to the log and ends the worker. Armed for each test
        and for each stretch between tests, so class and module fixtures
        are bounded too."""
        if self._timeout:
            faulthandler.dump_traceback_later(
                self._timeout, exit=True, file=sys.__stderr__
            )

    def disarm_timeout(self) -> None:
        if self._timeout:
            faulthandler.cancel_dump_traceback_later()

    def _index(self, test) -> int:
        return self.index_of.get(id(test), -1)

    def _text(self, err, test) -> str:
        text = self._exc_info_to_string(err, test)
        if self._sql is not None:
            text += "\n" + (self._sql.value().rstrip() or "(no SQL was run)") + "\n"
        return text

    def startTest(self, test) -> None:
        if self._stop_event.is_set():
            self.stop()
        super().startTest(test)
        self._send(TestStarted(self.task, self._index(test), _stderr_size()))
        if self._sql is not None:
            self._sql.start()
        self.arm_timeout()
        self._started = time.perf_counter()

    def stopTest(self, test) -> None:
        elapsed = time.perf_counter() - self._started
        # What follows the test (tearDownClass, the next class's fixtures)
        # gets its own --timeout.
        self.arm_timeout()
        if self._sql is not None:
            self._sql.stop()
        super().stopTest(test)
        self._send(TestStopped(self.task, self._index(test), elapsed))

    def _outcome(self, test, outcome, err=None, reason=None) -> None:
        # unittest would print a failing test's captured output to the
        # worker's own stdout; the report sent to the parent already has it.
        self._mirrorOutput = False
        if test.__class__.__name__ == "_ErrorHolder":
            if outcome is Outcome.SKIP:
                self._send(ContextSkipped(self.task, test.description, reason))
            else:
                self._send(
                    ContextError(self.task, test.description, self._text(err, test))
                )
            return
        text = None if err is None else self._text(err, test)
        self._send(TestOutcome(self.task, self._index(test), outcome, text, reason))

    def addSuccess(self, test) -> None:
        super().addSuccess(test)
        self._outcome(test, Outcome.SUCCESS)

    def addError(self, test, err) -> None:
        super().addError(test, err)
        self._outcome(test, Outcome.ERROR, err)

    def addFailure(self, test, err) -> None:
        super().addFailure(test, err)
        self._outcome(test, Outcome.FAILURE, err)

    def addSkip(self, test, reason) -> None:
        super().addSkip(test, reason)
        self._outcome(test, Outcome.SKIP, reason=str(reason))

    def addExpectedFailure(self, test, err) -> None:
        super().addExpectedFailure(test, err)
        self._outcome(test, Outcome.EXPECTED_FAILURE, err)

    def addUnexpectedSuccess(self, test) -> None:
        super().addUnexpectedSuccess(test)
        self._outcome(test, Outcome.UNEXPECTED_SUCCESS)

    def addSubTest(self, test, subtest, err) -> None:
        super().addSubTest(test, subtest, err)
        if err is None:
            return
        self._mirrorOutput = False
        outcome = (
            Outcome.FAILURE
            if issubclass(err[0], test.failureException)
            else Outcome.ERROR
        )
        self._send(
            SubTestOutcome(
                self.task,
                self._index(test),
                _safe_description(subtest),
                outcome,
                self._text(err, subtest),
            )
        )

    def addDuration(self, test, elapsed) -> None:
        """Durations are measured in startTest/stopTest on every Python."""


class _SQLCapture:
    """The SQL one test runs, for --debug-sql."""

    def __init__(self) -> None:
        self._stream = io.StringIO()
        self._handler = logging.StreamHandler(self._stream)
        self._logger = logging.getLogger("django.db.backends")
        self._level = self._logger.level

    def start(self) -> None:
        self._stream.seek(0)
        self._stream.truncate()
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self._handler)

    def stop(self) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)

    def value(self) -> str:
        return self._stream.getvalue()


def _stderr_size() -> int:
    try:
        return os.fstat(2).st_size
    except OSError:
        return 0


def _safe_description(subtest) -> str:
    try:
        return subtest._subDescription()
    except Exception as exc:  # a parameter whose repr() fails
        return f"(subtest parameters could not be shown: {exc!r})"


def _forked_from_a_set_up_parent() -> bool:
    """Whether this process is a fork of the parent, Django already set up."""
    registry = sys.modules.get("django.apps.registry")
    return registry is not None and registry.apps.ready


def _boot(plan: WorkerPlan) -> None:
    """From a bare interpreter to Django set up for tests (no database yet)."""
    if _forked_from_a_set_up_parent():
        # Settings, app registry, imported tests and test environment are the
        # parent's already. process_setup is for new interpreters, as in
        # Django: Django's runtests.py rebuilds the app registry in it, and
        # test modules imported before the fork keep the old AppConfigs.
        return
    sys.path[:] = plan.sys_path
    os.chdir(plan.cwd)
    if plan.settings_module is not None:
        os.environ["DJANGO_SETTINGS_MODULE"] = plan.settings_module
    if plan.process_setup is not None:
        plan.process_setup(*plan.process_setup_args)

    import django
    from django.conf import settings

    if plan.settings_module is None and not settings.configured:
        settings.configure(**plan.settings_values)
    else:
        for name, value in plan.settings_values.items():
            setattr(settings, name, value)
    django.setup()

    from django.test.utils import setup_test_environment

    from django_parallel.testcases import install_on_commit_capture

    setup_test_environment(debug=plan.debug_mode)
    install_on_commit_capture()
    # The parent ran the system checks and reported what they found. A new
    # interpreter runs them too, as Django 6's spawned workers do, for what
    # checks do besides (the URLconf they import, checks that record they
    # ran). With no databases: this worker's are not attached yet, and the
    # database checks only report. An empty list, since from Django 6.1 None
    # means every database.
    from django.core.checks import run_checks

    run_checks(databases=[])


def _attach_databases(plan: WorkerPlan, databases: WorkerDatabases) -> None:
    """Point this worker's connections at its own copies of the databases."""
    from django.db import connections

    # Connections inherited through fork belong to the parent: forget them
    # without closing them (closing could end the parent's sessions).
    for connection in connections.all():
        connection.connection = None
    for alias, database in databases.databases.items():
        _connect(connections[alias], database)
    for alias, primary in databases.mirrors.items():
        connections[alias].creation.set_as_test_mirror(
            connections[primary].settings_dict
        )
    for alias, contents in databases.serialized_contents.items():
        connections[alias]._test_serialized_contents = contents
    if plan.debug_sql:
        for alias in connections:
            connections[alias].force_debug_cursor = True
    if os.environ.get("RUNNING_DJANGOS_TEST_SUITE") == "true":
        for alias in databases.databases:
            connections[alias].creation.mark_expected_failures_and_skips()


def _connect(connection, database) -> None:
    connection.settings_dict.update(database.settings)
    if database.load_from is None:
        return
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{database.load_from}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def worker_main(plan: WorkerPlan, conn, stop_event) -> None:
    """Entry point of a worker process."""
    # Ctrl-C is the parent's to handle; it ends the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log = open(plan.log_file, "a", buffering=1, encoding="utf-8", errors="replace")
    os.dup2(log.fileno(), 2)
    faulthandler.enable(file=log)

    def send(event) -> None:
        conn.send(event)

    if not plan.buffer:
        sys.stdout = ForwardingStream(send, plan.slot, "stdout")
        sys.stderr = ForwardingStream(send, plan.slot, "stderr")
    try:
        _boot(plan)
        # Sent by the parent once the test databases exist.
        databases = conn.recv()
        if databases is None:
            return
        _attach_databases(plan, databases)
    except (EOFError, OSError):
        return  # The parent is gone.
    except BaseException:
        send(WorkerBroken(plan.slot, traceback.format_exc()))
        conn.close()
        sys.exit(1)
    # What booting made lives until the worker ends: the collector need not
    # look at it again during the run.
    gc.freeze()
    send(WorkerReady(plan.slot, os.getpid()))
    result = EventResult(send, plan, stop_event)
    while True:
        task = conn.recv()
        if task is None:
            break
        started = time.perf_counter()
        _run_task(task, result, send)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        send(TaskDone(task.id, time.perf_counter() - started))
    conn.close()
    # The interpreter's last collection would take a quarter of a second
    # here, while the parent waits for the worker to end; nothing it could
    # free matters once the process is gone.
    gc.freeze()


def _run_task(task: Task, result: EventResult, send) -> None:
    result.task = task.id
    try:
        tests = pickle.loads(task.tests)
    except Exception:
        send(ContextError(task.id, "loading the tests", traceback.format_exc()))
        return
    result.index_of = {id(test): index for index, test in enumerate(tests)}
    # Each task is a whole run for unittest: the class fixtures of the last
    # task were torn down when it ended.
    result._previousTestClass = None
    before = set(threading.enumerate())
    result.arm_timeout()
    try:
        unittest.TestSuite(tests).run(result)
    finally:
        result.disarm_timeout()
    # A thread that is not a daemon keeps the worker from exiting: the
    # parent names the class that left it if the worker then hangs.
    left = [
        thread.name
        for thread in threading.enumerate()
        if not thread.daemon and thread not in before
    ]
    if left:
        send(ThreadsLeft(task.id, tuple(left)))
