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
import importlib
import inspect
import io
import logging
import multiprocessing
import os
import pickle
import signal
import sqlite3
import sys
import threading
import time
import traceback
import unittest
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django_parallel.class_timing import TimedSuite
from django_parallel.compat import run_checks_without_databases
from django_parallel.failures import ErrorDetail, captured_output, describe_error
from django_parallel.parallel.coverage_workers import (
    save_measurement,
    start_measuring,
)
from django_parallel.parallel.events import (
    ContextError,
    ContextSkipped,
    FixtureTimed,
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
from django_parallel.parallel.guards import RaisedBaseException, _guarded
from django_parallel.parallel.plan import (
    WorkerDatabases,
    WorkerPlan,
    apply_settings,
    loaded_settings,
)


@dataclass(frozen=True)
class Task:
    """One test class (or what is left of one) for one worker."""

    id: int
    tests: bytes  # the pickled list of test instances
    # How many workers died on this class outside any test before.
    retries: int = 0


class StopFlag:
    """Shared by the parent and its workers: once set (``--failfast``,
    Ctrl-C), no worker starts another test. One byte of shared memory, read
    and written without a lock, so the parent may set it from its Ctrl-C
    handler at any moment (a multiprocessing Event takes a lock that the
    interrupted code may hold). ``stop`` lets ``unittest.registerResult``
    take it: unittest's Ctrl-C handler then sets it at once."""

    def __init__(self, context) -> None:
        self._value = context.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    stop = set

    def is_set(self) -> bool:
        return bool(self._value.value)


class ForwardingStream(io.TextIOBase):
    """sys.stdout/sys.stderr of a worker: whole lines go to the parent.

    Like the streams it replaces, it has an encoding, a binary ``buffer``
    and a ``fileno`` (the descriptor, whose output is forwarded too), for
    code that writes bytes or hands the stream to a subprocess."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, send, slot: int, name: str) -> None:
        self._send = send
        self._slot = slot
        self.name = name
        self._pending = ""
        self.buffer = _BinaryForwarding(self)

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return 1 if self.name == "stdout" else 2

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, _, self._pending = self._pending.rpartition("\n")
            self._forward(complete + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._forward(self._pending)
            self._pending = ""

    def _forward(self, text: str) -> None:
        # Text the parent's stream could not encode (lone surrogates from
        # undecodable file names, say) is escaped here, not fatal there.
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        self._send(Output(self._slot, self.name, text))


class _BinaryForwarding(io.RawIOBase):
    """``buffer`` of a ForwardingStream: bytes, decoded as the parent shows
    them."""

    def __init__(self, text: ForwardingStream) -> None:
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._text.write(bytes(data).decode("utf-8", "backslashreplace"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()


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
        # The test startTest was called for: from Python 3.12.1 a skipped
        # test is only stopped, and took no time.
        self._running: int | None = None
        self._sql = _SQLCapture() if plan.debug_sql else None
        self.time_fixtures = getattr(plan, "time_fixtures", False)

    def stop(self) -> None:
        super().stop()
        if self.failfast:
            self._stop_event.set()

    def check_stop(self) -> None:
        """Stop before the next test once any worker or the parent stopped
        the run. unittest's suite decides whether to run a test before its
        startTest, so this is checked when a test ends and when a task
        begins."""
        if self._stop_event.is_set():
            self.shouldStop = True

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

    def _exc_info_to_string(self, err, test) -> str:
        return super()._exc_info_to_string(_unwrapped(err), test)

    def _detail(self, err, test) -> ErrorDetail | None:
        """The failure's parts, for the parent's machine-read reports."""
        try:
            return describe_error(_unwrapped(err), test, captured_output(self))
        except Exception:
            return None  # The text report still has everything.

    def _text(self, err, test) -> str:
        text = self._exc_info_to_string(err, test)
        if self._sql is not None:
            text += "\n" + (self._sql.value().rstrip() or "(no SQL was run)") + "\n"
        # As for forwarded output: what the parent could not print is escaped.
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    def startTest(self, test) -> None:
        super().startTest(test)
        self._send(TestStarted(self.task, self._index(test), _stderr_size()))
        if self._sql is not None:
            self._sql.start()
        self.arm_timeout()
        self._started = time.perf_counter()
        self._running = id(test)

    def stopTest(self, test) -> None:
        started = self._running == id(test)
        elapsed = time.perf_counter() - self._started if started else 0.0
        self._running = None
        # What follows the test (tearDownClass, the next class's fixtures)
        # gets its own --timeout.
        self.arm_timeout()
        if self._sql is not None:
            self._sql.stop()
        super().stopTest(test)
        self._send(TestStopped(self.task, self._index(test), elapsed))
        self.check_stop()

    def _outcome(self, test, outcome, err=None, reason=None) -> None:
        # unittest would print a failing test's captured output to the
        # worker's own stdout; the report sent to the parent already has it.
        self._mirrorOutput = False
        if test.__class__.__name__ == "_ErrorHolder":
            if outcome is Outcome.SKIP:
                self._send(ContextSkipped(self.task, test.description, reason))
            else:
                text, detail = self._text(err, test), self._detail(err, test)
                self._send(ContextError(self.task, test.description, text, detail))
            return
        text = None if err is None else self._text(err, test)
        detail = None if err is None else self._detail(err, test)
        self._send(
            TestOutcome(self.task, self._index(test), outcome, text, reason, detail)
        )

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
                self._detail(err, subtest),
            )
        )

    def addDuration(self, test, elapsed) -> None:
        """Durations are measured in startTest/stopTest on every Python."""

    def addFixtureDuration(self, cls: type, fixture: str, seconds: float) -> None:
        self._send(FixtureTimed(self.task, fixture, seconds))


def _unwrapped(err):
    """A RaisedBaseException's original exception, without the frame of the
    guard that caught it; any other exc_info as it is."""
    if isinstance(err[1], RaisedBaseException):
        original = err[1].original
        tb = original.__traceback__
        return (type(original), original, tb.tb_next if tb else None)
    return err


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


def _boot(plan: WorkerPlan) -> bool:
    """From a bare interpreter to Django set up for tests (no database yet).
    False when forked: there is nothing to do."""
    if _forked_from_a_set_up_parent():
        # Settings, app registry, imported tests and test environment are the
        # parent's already. process_setup is for new interpreters, as in
        # Django: Django's runtests.py rebuilds the app registry in it, and
        # test modules imported before the fork keep the old AppConfigs.
        return False
    sys.path[:] = plan.sys_path
    os.chdir(plan.cwd)
    if plan.settings_module is not None:
        os.environ["DJANGO_SETTINGS_MODULE"] = plan.settings_module
    loaded = loaded_settings(plan.settings_module)
    if plan.process_setup is not None:
        plan.process_setup(*plan.process_setup_args)

    import django

    apply_settings(plan.settings_module, plan.settings_values, loaded=loaded)
    django.setup()

    from django.test.utils import setup_test_environment

    from django_parallel.testcases import install_on_commit_capture

    setup_test_environment(debug=plan.debug_mode)
    install_on_commit_capture()
    # The parent's settings were captured with its test environment set up
    # already: what setting it up here changed again ("testserver" added to
    # ALLOWED_HOSTS a second time) is put back to the parent's values.
    apply_settings(plan.settings_module, plan.settings_values, loaded=loaded)
    return True


def _catch_up(databases: WorkerDatabases) -> None:
    """What a forked worker has from the parent and a new interpreter does
    itself, in the parent's order: import the run's test modules, then run
    the system checks."""
    # The parent's entries first, in its order; any of this worker's own
    # (its process_setup may add some) after them.
    parent = list(databases.sys_path)
    sys.path[:] = parent + [entry for entry in sys.path if entry not in parent]
    for name in databases.test_modules:
        try:
            importlib.import_module(name)
        except Exception:
            # The task that needs the module reports the error, on its tests.
            pass
    # The parent ran the checks and reported what they found. A new
    # interpreter runs them too, as Django 6's spawned workers do, for what
    # checks do besides (the URLconf they import, checks that record they
    # ran). With no databases: the database checks only report.
    run_checks_without_databases()


def _attach_databases(plan: WorkerPlan, databases: WorkerDatabases) -> None:
    """Point this worker's connections at its own copies of the databases."""
    from django.db import connections

    from django_parallel.databases import bound_connects

    # Connections inherited through fork belong to the parent: forget them
    # without closing them (closing could end the parent's sessions).
    for connection in connections.all():
        connection.connection = None
    for alias, database in databases.databases.items():
        _connect(connections[alias], database)
    bound_connects(databases.databases, plan.connect_timeout)
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


# The steps unittest and Django run a test in, each behind an
# ``except Exception`` that reports it and cleans up after it.
_TEST_STEPS = (
    "_callSetUp",
    "_callTestMethod",
    "_callTearDown",
    "_callCleanup",
    "_pre_setup",
    "_post_teardown",
)
# Django's TestCase.setUpClass rolls its transactions back only when
# setUpTestData raises an Exception.
_CLASS_STEPS = ("setUpClass", "tearDownClass", "setUpTestData")
_MODULE_STEPS = ("setUpModule", "tearDownModule")


def guard_base_exceptions(test) -> None:
    """Make a BaseException raised by ``test``, its class or its module an
    ordinary error of the step that raised it (in this worker only)."""
    for name in _TEST_STEPS:
        step = getattr(test, name, None)
        if callable(step):
            setattr(test, name, _guarded(step))
    cls = type(test)
    for name in _CLASS_STEPS:
        step = inspect.getattr_static(cls, name, None)
        if isinstance(step, classmethod):
            setattr(cls, name, classmethod(_guarded(step.__func__)))
    module = sys.modules.get(cls.__module__)
    for name in _MODULE_STEPS:
        step = getattr(module, name, None)
        if callable(step):
            setattr(module, name, _guarded(step))


class DescriptorOutput:
    """What is written to file descriptors 1 and 2 directly (``os.write``, a
    C extension, a subprocess that inherits them). The worker points them at
    files in the run's workspace; what the files gained is sent to the
    parent as ``Output`` before each event. The stderr file is also where
    faulthandler writes, which the parent reads after a crash."""

    CHUNK = 1 << 20

    def __init__(self, slot: int, files: dict[str, int]) -> None:
        self._slot = slot
        # stream name -> [fd to read with, offset read up to, partial line]
        self._files = {stream: [fd, _size(fd), b""] for stream, fd in files.items()}

    def forward(self, send: Callable, final: bool = False) -> None:
        for stream, state in self._files.items():
            for text in self._read(state, final):
                send(Output(self._slot, stream, text))

    def _read(self, state: list, final: bool) -> Iterator[str]:
        fd, offset, pending = state
        size = _size(fd)
        if size < offset:  # truncated by someone else
            offset = size
        while offset < size:
            data = os.pread(fd, min(self.CHUNK, size - offset), offset)
            if not data:
                break
            offset += len(data)
            pending += data
            # Whole lines (a character never spans a line end), or a chunk
            # of a line too long to hold back.
            cut = pending.rfind(b"\n") + 1
            if len(pending) >= self.CHUNK:
                cut = len(pending)
            if cut:
                yield pending[:cut].decode("utf-8", "backslashreplace")
                pending = pending[cut:]
        if final and pending:
            yield pending.decode("utf-8", "backslashreplace")
            pending = b""
        state[1], state[2] = offset, pending


def _size(fd: int) -> int:
    try:
        return os.fstat(fd).st_size
    except OSError:
        return 0


def stdout_file(log_file: str) -> str:
    """Where a worker's file descriptor 1 goes, beside its stderr log."""
    return os.path.splitext(log_file)[0] + ".stdout"


# prctl(2) option: the signal this process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


def end_with_parent() -> None:
    """Make sure this worker does not outlive the runner (killed by the OOM
    killer or a CI job's SIGKILL): its pipes do not tell it, since a forked
    worker holds its siblings' ends and a test may never read again.

    On Linux the kernel kills it when its parent ends. Under forkserver the
    parent is the fork server, which ends with the runner. Elsewhere a
    daemon thread watches the parent (a thread is avoided where the kernel
    can do it: a test that forks should find no other thread)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    _let_the_fork_server_end()
    if _ask_the_kernel():
        if not _runner_is_an_ancestor(parent.pid):
            os._exit(1)  # The runner ended before the request was made.
        return
    threading.Thread(
        target=_watch_parent,
        args=(parent.sentinel, os.getppid()),
        name="django_parallel-parent-watch",
        daemon=True,
    ).start()


def _let_the_fork_server_end() -> None:
    """A forkserver worker is handed the fd that keeps the fork server
    alive, so the server, and with it this worker, would outlive the runner.
    Closed here, the server ends with the runner (a test that uses a fork
    server itself then starts its own)."""
    module = sys.modules.get("multiprocessing.forkserver")
    server = getattr(module, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if alive is not None:
        server._forkserver_alive_fd = None
        try:
            os.close(alive)
        except OSError:
            pass


def _ask_the_kernel() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _runner_is_an_ancestor(runner: int) -> bool:
    parent = os.getppid()
    if parent == runner:
        return True
    # Under forkserver the fork server is in between.
    try:
        with open(f"/proc/{parent}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[1]) == runner
    except (OSError, IndexError, ValueError):
        return True  # Cannot tell: the kernel's signal still covers it.


def _watch_parent(sentinel: int, parent: int) -> None:
    from multiprocessing.connection import wait

    # The sentinel reports the end of a spawned worker's parent; a forked
    # worker's may be held open by a sibling, so the parent pid is watched
    # too (it changes when the process is reparented).
    while not wait([sentinel], timeout=1.0) and os.getppid() == parent:
        pass
    os._exit(1)


class _ParentGone(Exception):
    pass


def _receive(conn):
    """The parent's next message; only the end of the pipe means it is gone."""
    try:
        return conn.recv()
    except (EOFError, ConnectionResetError):
        raise _ParentGone from None


def worker_main(plan: WorkerPlan, conn, stop_event) -> None:
    """Entry point of a worker process."""
    # Before anything else, so that coverage sees all the worker does.
    measuring = start_measuring(plan.coverage)
    try:
        _work(plan, conn, stop_event)
    finally:
        save_measurement(measuring)


def _work(plan: WorkerPlan, conn, stop_event) -> None:
    end_with_parent()
    # Ctrl-C is the parent's to handle; it ends the workers itself. SIGTERM
    # ends a worker (a forked one inherits the parent's handler, which
    # would raise SystemExit inside a test).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    log = open(plan.log_file, "a", buffering=1, encoding="utf-8", errors="replace")
    stdout = open(stdout_file(plan.log_file), "ab", buffering=0)
    os.dup2(stdout.fileno(), 1)
    os.dup2(log.fileno(), 2)
    faulthandler.enable(file=log)
    # Read through descriptors of their own: the ones written are write-only.
    descriptors = DescriptorOutput(
        plan.slot,
        {
            "stdout": os.open(stdout.name, os.O_RDONLY),
            "stderr": os.open(plan.log_file, os.O_RDONLY),
        },
    )

    def send(event) -> None:
        descriptors.forward(conn.send)
        conn.send(event)

    if not plan.buffer:
        sys.stdout = ForwardingStream(send, plan.slot, "stdout")
        sys.stderr = ForwardingStream(send, plan.slot, "stderr")
    try:
        began = time.perf_counter()
        booted = _boot(plan)
        boot_seconds = time.perf_counter() - began
        # Sent by the parent once the test databases exist.
        databases = _receive(conn)
        if databases is None:
            return
        received = time.perf_counter()
        _attach_databases(plan, databases)
        if booted:
            _catch_up(databases)
        attach_seconds = time.perf_counter() - received
    except _ParentGone:
        return
    except BaseException:
        try:
            send(WorkerBroken(plan.slot, traceback.format_exc()))
        except OSError:
            pass  # The parent is gone too.
        conn.close()
        sys.exit(1)
    # What booting made lives until the worker ends: the collector need not
    # look at it again during the run.
    gc.freeze()
    send(WorkerReady(plan.slot, os.getpid(), boot_seconds, attach_seconds))
    result = EventResult(send, plan, stop_event)
    while True:
        try:
            task = _receive(conn)
        except _ParentGone:
            return
        if task is None:
            break
        started = time.perf_counter()
        _run_task(task, result, send)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        descriptors.forward(conn.send, final=True)
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
    except BaseException:  # a test module may even call sys.exit() on import
        send(ContextError(task.id, "loading the tests", traceback.format_exc()))
        return
    result.index_of = {id(test): index for index, test in enumerate(tests)}
    for test in tests:
        guard_base_exceptions(test)
    # Each task is a whole run for unittest: the class fixtures of the last
    # task were torn down when it ended.
    result._previousTestClass = None
    result.check_stop()
    before = set(threading.enumerate())
    result.arm_timeout()
    try:
        suite = TimedSuite if result.time_fixtures else unittest.TestSuite
        suite(tests).run(result)
    except BaseException:
        # Past every guard: the state of this process is unknown, so it
        # ends; the parent runs the rest of the class on a new worker.
        name = f"{type(tests[0]).__module__}.{type(tests[0]).__qualname__}"
        send(
            ContextError(task.id, f"{name} (outside its tests)", traceback.format_exc())
        )
        raise
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
