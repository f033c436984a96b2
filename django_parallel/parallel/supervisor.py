"""Supervising the worker processes (our own, not ``multiprocessing.Pool``).

One slot per test database clone. A slot's worker runs one test class at a
time, as the schedule decides; its events are replayed as they arrive. A worker that dies is reported
on the test it was running, with its exit status and the tail of its stderr,
and the slot gets a new worker on the same clone; the rest of the dead
worker's class runs again elsewhere. A worker that cannot set itself up stops
the run.

Every wait is bounded: a worker told to close that does not exit within
``EXIT_GRACE`` is killed and named; with ``--timeout``, a worker that makes
no progress (a test, or a class or module fixture) for longer is killed; a
slot whose worker closed its end of the pipe is waited on through its
process only. Workers are replaced at most ``max_restarts`` times a run.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
import unittest
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from django_parallel.errors import RunnerError
from django_parallel.interrupts import sigint_ignored
from django_parallel.options import PROJECT_DEFAULTS
from django_parallel.parallel.events import (
    Output,
    TaskDone,
    TestStarted,
    TestStopped,
    ThreadsLeft,
    WorkerBroken,
    WorkerReady,
)
from django_parallel.parallel.history import WorkerHistory, id_of
from django_parallel.parallel.plan import WorkerDatabases, WorkerPlan
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.scheduling import Schedule
from django_parallel.parallel.worker import StopFlag, Task, worker_main
from django_parallel.reporting import WorkerMessages
from django_parallel.timeline.recorder import NO_LANES

# How long past --timeout the parent waits for a worker's own stack dump
# before it kills the worker itself.
HANG_GRACE = 15.0
# How long workers get to finish their current test once the run is stopped
# (--failfast, or a first Ctrl-C) before they are ended.
STOP_GRACE = 5.0
STOPPING = (
    "django-parallel: stopping: no worker starts another test; those running "
    "get a few seconds to finish (press Ctrl-C again to stop at once)"
)
# How long a worker told to close (or whose pipe closed) may take to exit
# before it is killed: one that does not has a thread left running.
EXIT_GRACE = 10.0
# Workers replaced per run by default (--max-restarts).
MAX_RESTARTS = PROJECT_DEFAULTS["max_restarts"]
BOOT_TIMEOUT = PROJECT_DEFAULTS["boot_timeout"]


class WorkerStartError(RunnerError):
    """A worker could not set itself up; the run cannot go on."""


@dataclass
class Slot:
    number: int
    plan: WorkerPlan
    process: object = None
    conn: object = None
    ready: bool = False
    closing: bool = False
    # Since when the worker should be exiting (told to close, or its end of
    # the pipe closed): past EXIT_GRACE it is killed.
    exiting_since: float | None = None
    # Its end of the pipe is closed: wait on the process only.
    eof: bool = False
    # Its sentinel is ready though the process runs (a test closed that
    # descriptor): the process is polled instead.
    sentinel_closed: bool = False
    task: Task | None = None
    running: int | None = None  # index of the test running in ``task``
    # Last sign of progress (a task handed out, a test started or stopped):
    # --timeout bounds each stretch, fixtures included.
    busy_since: float = 0.0
    # When the worker was sent its databases: with --timeout, it must be
    # ready within the bound from then.
    databases_sent_at: float | None = None
    # The thread sending them to a new interpreter, if any.
    sender: threading.Thread | None = None
    # The class of the last task handed out, to name in a warning.
    last_class: str | None = None
    # "<class> left a thread running ('name')", as its worker reported.
    threads_left: list[str] = field(default_factory=list)
    log_offset: int = 0
    pid: int | None = None
    databases: WorkerDatabases | None = None
    done_in_task: set = field(default_factory=set)


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"killed by {name}"
    return f"exit code {exitcode}"


def _settle_threads(bound: float = 1.0) -> None:
    """Wait (briefly) for threads that were joined to leave the process:
    ``Thread.join`` may return before the OS thread is gone."""
    tasks = "/proc/self/task"
    if not os.path.isdir(tasks):
        return
    deadline = time.monotonic() + bound
    while (
        len(os.listdir(tasks)) > threading.active_count()
        and time.monotonic() < deadline
    ):
        time.sleep(0.001)


def _send_quietly(conn, payload) -> None:
    try:
        conn.send(payload)
    except (OSError, ValueError):
        pass  # The worker died, or was ended: the parent reports it.


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def read_tail(path: str, offset: int = 0, limit: int = 4000) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            log.seek(offset)
            text = log.read()
    except OSError:
        return ""
    return text[-limit:]


class Supervisor:
    """Runs tasks on worker processes, replaying their events."""

    def __init__(
        self,
        context,
        plans: list[WorkerPlan],
        *,
        timeout: float | None = None,
        max_restarts: int | None = None,
        boot_timeout: float | None = BOOT_TIMEOUT,
        target: Callable = worker_main,
        warn: Callable[[str], None] | None = None,
        exit_grace: float = EXIT_GRACE,
        hang_grace: float = HANG_GRACE,
        fork_guard: Callable[[], AbstractContextManager] = nullcontext,
        timeline=None,
    ) -> None:
        self.context = context
        # Where --timeline records the workers (a LaneRecorder), if it does.
        self.timeline = timeline or NO_LANES
        self.slots = [Slot(plan.slot, plan) for plan in plans]
        self.schedule: Schedule | None = None
        self.test_lists: dict[int, list] = {}
        self.replayer: Replayer | None = None
        self.timeout = timeout
        self.boot_timeout = boot_timeout
        self.max_restarts = MAX_RESTARTS if max_restarts is None else max_restarts
        self.restarts = 0
        self.target = target
        # The terminal is reporting's (WorkerMessages, made for the result
        # in run()); ``warn`` replaces its warnings.
        self._warn = warn
        self.messages: WorkerMessages | None = None
        self.exit_grace = exit_grace
        self.hang_grace = hang_grace
        # Held around each fork of a worker: the parent then has no other
        # thread (the runner pauses the spare-copy thread with it).
        self.fork_guard = fork_guard
        self.stop_event = StopFlag(context)
        self.next_task_id = 0
        self.stopping_since: float | None = None
        # Why the run was given up (the restart cap), for the runner to say.
        self.failure: str | None = None
        # Which classes and tests each worker process ran, for the run record.
        self.history = WorkerHistory()

    # Processes.

    def start(self) -> None:
        """Start every worker; they boot Django while the parent goes on."""
        for slot in self.slots:
            self._start(slot)

    def retire(self, keep: int) -> None:
        """Keep the first ``keep`` slots and end the others' workers at once:
        still booting, they would only take cores from the ones kept."""
        extra = self.slots[keep:]
        del self.slots[keep:]
        for slot in extra:
            self._end(slot, polite=False, deadline=0.0)
            self.timeline.discard(slot.number)

    def _start(self, slot: Slot) -> None:
        parent_end, child_end = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=self.target,
            args=(slot.plan, child_end, self.stop_event),
            name=f"django_parallel-worker-{slot.number}",
            daemon=True,
        )
        forks = self.context.get_start_method() == "fork"
        # A process that forks must have no other thread (the spare-copy
        # thread of the migrated-database cache may run by now).
        with self.fork_guard() if forks else nullcontext(), sigint_ignored():
            if forks:
                _settle_threads()
            process.start()
        child_end.close()
        slot.process, slot.conn = process, parent_end
        self.history.process_started(slot.number)
        self.timeline.process_started(slot.number)
        slot.ready = slot.closing = slot.eof = slot.sentinel_closed = False
        slot.exiting_since = slot.databases_sent_at = None
        slot.task, slot.running = None, None
        slot.last_class, slot.threads_left = None, []
        if slot.databases is not None:
            # A replacement worker: the databases exist already.
            self._send_databases(slot)

    def _send_databases(self, slot: Slot) -> None:
        """Send a worker its databases. Serialized contents can fill the
        pipe, and a worker still booting reads nothing: a new interpreter
        (spawn, forkserver) gets them from a thread, so that the parent's
        loop, and its bound on booting, go on. A forked worker reads them
        at once, and a process that forks must have no other thread."""
        slot.databases_sent_at = time.monotonic()
        if self.context.get_start_method() == "fork":
            try:
                slot.conn.send(slot.databases)
            except OSError:
                pass  # It died while booting: reaped and reported later.
            return
        slot.sender = threading.Thread(
            target=_send_quietly,
            args=(slot.conn, slot.databases),
            name=f"django_parallel-send-{slot.number}",
            daemon=True,
        )
        slot.sender.start()

    def _close_conn(self, slot: Slot) -> None:
        """Close the parent's end once the worker is gone; a send still
        under way then fails at once, and is let end first (its descriptor
        must not be reused under it)."""
        if slot.sender is not None:
            slot.sender.join(5)
            slot.sender = None
        slot.conn.close()

    def _dispatch(self, slot: Slot) -> None:
        task = None if self.stop_event.is_set() else self.schedule.next_for(slot.number)
        if task is not None:
            slot.task = task
            slot.done_in_task = set()
            slot.busy_since = time.monotonic()
            slot.last_class = self._class_name(task.id)
            # What a death in the class's fixtures leaves in the log starts
            # here (the worker is idle, so the log is not growing).
            slot.log_offset = _size(slot.plan.log_file)
            self.history.task_sent(
                slot.number,
                slot.last_class or "",
                [id_of(test) for test in self.test_lists[task.id]],
            )
            self.timeline.task_sent(
                slot.number, slot.last_class or "", self.test_lists[task.id]
            )
            try:
                slot.conn.send(slot.task)
            except OSError:
                # It died after its last task: reaping it reports the death
                # and puts this task back.
                pass
        elif not slot.closing:
            slot.closing = True
            slot.exiting_since = time.monotonic()
            slot.task = None
            try:
                slot.conn.send(None)
            except OSError:
                pass

    # The loop.

    def run(
        self,
        schedule: Schedule,
        test_lists: dict[int, list],
        replayer: Replayer,
        databases: Callable[[int], WorkerDatabases],
    ) -> None:
        """Hand each worker its databases, then run every task to the end."""
        self.schedule, self.test_lists = schedule, test_lists
        self.next_task_id = max(test_lists, default=0) + 1
        self.replayer = replayer
        # unittest's Ctrl-C handler stops registered results: the workers
        # then stop before their next test, not when this loop notices.
        unittest.registerResult(self.stop_event)
        self.messages = WorkerMessages(replayer.result)
        try:
            for slot in self.slots:
                slot.databases = databases(slot.number)
                if slot.process is None:
                    self._start(slot)
                    continue
                self._send_databases(slot)
            while any(s.process is not None for s in self.slots):
                if self.replayer.result.shouldStop and self.stopping_since is None:
                    self.stop_event.set()
                    self.schedule.clear()
                    self.stopping_since = time.monotonic()
                    if getattr(unittest.signals._interrupt_handler, "called", False):
                        self.messages.notice(STOPPING)
                if (
                    self.stopping_since is not None
                    and time.monotonic() - self.stopping_since > STOP_GRACE
                ):
                    break
                waitables = {}
                for slot in self.slots:
                    if slot.process is not None:
                        if not slot.eof:
                            waitables[slot.conn] = slot
                        if not slot.sentinel_closed:
                            waitables[slot.process.sentinel] = slot
                # A bounded wait: the checks below run at least this often.
                for ready in wait(list(waitables), timeout=0.5):
                    slot = waitables[ready]
                    if slot.process is None:
                        continue  # Reaped for another of its waitables.
                    if ready is slot.conn:
                        self._drain(slot)
                    elif not slot.process.is_alive():
                        self._drain(slot)
                        self._reap(slot)
                    else:
                        slot.sentinel_closed = True
                self._check_exits()
                self._check_hangs()
        finally:
            unittest.removeResult(self.stop_event)
            self.shutdown()

    def _drain(self, slot: Slot) -> None:
        while slot.process is not None and not slot.eof:
            try:
                if not slot.conn.poll():
                    return
                event = slot.conn.recv()
            except (EOFError, OSError):
                # The worker closed its end: it is exiting, or should be.
                slot.eof = True
                if slot.exiting_since is None:
                    slot.exiting_since = time.monotonic()
                return
            self._on_event(slot, event)

    def _on_event(self, slot: Slot, event) -> None:
        self.timeline.event(slot.number, event)
        if isinstance(event, Output):
            self.messages.output(event.slot, event.stream, event.text)
            return
        if isinstance(event, WorkerReady):
            slot.ready, slot.pid = True, event.pid
            self._dispatch(slot)
            return
        if isinstance(event, WorkerBroken):
            self.messages.worker_traceback(event.text)
            last = event.text.strip().splitlines()[-1] if event.text.strip() else ""
            raise WorkerStartError(
                f"worker {slot.number} could not set itself up ({last}); "
                "fix the error above, or run with --parallel 1 to see it in "
                "this process"
            )
        if isinstance(event, ThreadsLeft):
            names = ", ".join(map(repr, event.names))
            slot.threads_left.append(
                f"{self._class_name(event.task)} left a thread running ({names})"
            )
            return
        if isinstance(event, TestStarted):
            slot.running = event.index
            slot.busy_since = time.monotonic()
            slot.log_offset = event.log_offset
            self.history.test_started(
                slot.number, id_of(self.test_lists[event.task][event.index])
            )
        self.replayer.handle(event, slot.number)
        if isinstance(event, TestStopped):
            slot.done_in_task.add(event.index)
            slot.running = None
            slot.busy_since = time.monotonic()
        elif isinstance(event, TaskDone):
            slot.task = None
            self._dispatch(slot)

    def _reap(self, slot: Slot, reason: str = "") -> None:
        """A worker process ended: normally, by crashing, or killed by the
        parent for ``reason``."""
        process = slot.process
        process.join()
        exitcode = process.exitcode
        self._close_conn(slot)
        slot.process = None
        if slot.closing:
            # Its work is done and reported: never replaced.
            if reason or exitcode != 0:
                self.timeline.died(
                    slot.number, None, reason or describe_exit(exitcode), False
                )
            self.timeline.process_ended(slot.number)
            if reason:
                self.warn(f"worker {slot.number} (pid {process.pid}) {reason}")
            elif exitcode != 0:
                after = f", after {slot.last_class}" if slot.last_class else ""
                self.warn(
                    f"worker {slot.number} (pid {process.pid}) ended "
                    f"({describe_exit(exitcode)}) while closing{after}; it was "
                    "not replaced"
                )
            return
        if not slot.ready:
            self.timeline.died(slot.number, None, describe_exit(exitcode), False)
            self.timeline.process_ended(slot.number)
            tail = read_tail(slot.plan.log_file)
            raise WorkerStartError(
                f"worker {slot.number} died while setting itself up "
                f"({describe_exit(exitcode)}): {tail.strip()[-500:] or 'no output'}"
            )
        if slot.task is None:
            self.timeline.died(
                slot.number, None, reason or describe_exit(exitcode), False
            )
        self._report_crash(slot, exitcode, reason)
        self.timeline.process_ended(slot.number)
        self._replace(slot, exitcode, reason)

    def warn(self, message: str) -> None:
        (self._warn or self.messages.warning)(message)

    def _replace(self, slot: Slot, exitcode: int | None, reason: str) -> None:
        """A new worker for a slot whose worker died, within the cap."""
        if self.restarts >= self.max_restarts:
            if self.failure is None:
                deaths = self.restarts + 1
                self.failure = (
                    f"worker processes died {deaths} time{'s' * (deaths != 1)} "
                    "in this run, "
                    f"the last in slot {slot.number} "
                    f"({reason or describe_exit(exitcode)}); the run was stopped "
                    f"(--max-restarts {self.max_restarts})"
                )
                self._stop()
            return
        self.restarts += 1
        self._start(slot)

    def _stop(self) -> None:
        """Stop handing out work; workers finish the test they are running."""
        self.replayer.result.stop()
        if self.stopping_since is None:
            self.stop_event.set()
            self.schedule.clear()
            self.stopping_since = time.monotonic()

    def _class_name(self, task_id: int) -> str | None:
        tests = self.test_lists.get(task_id)
        if not tests:
            return None
        return f"{type(tests[0]).__module__}.{type(tests[0]).__qualname__}"

    def _report_crash(self, slot: Slot, exitcode: int | None, reason: str = "") -> None:
        task = slot.task
        if task is None:
            return
        tail = read_tail(slot.plan.log_file, slot.log_offset)
        # faulthandler's dump for --timeout starts with "Timeout (": only a
        # run with --timeout can have one.
        timed_out = self.timeout is not None and "Timeout (" in tail
        what = reason or (
            f"timed out after {self.timeout:g}s (--timeout)"
            if timed_out
            else f"died ({describe_exit(exitcode)})"
        )
        message = (
            f"The worker process {slot.pid} (slot {slot.number}) {what} while "
            "running this test."
        )
        # Named apart in machine-read reports (--junit-xml).
        kind = "WorkerTimeout" if timed_out or "--timeout" in reason else "WorkerCrash"
        self.timeline.died(slot.number, slot.running, what, kind == "WorkerTimeout")
        if tail.strip():
            message += f"\nIts last output:\n{tail.rstrip()}"
        retries = task.retries
        if slot.running is not None:
            self.replayer.crashed(
                task.id,
                slot.running,
                message + "\n",
                slot.number,
                kind,
                timed_out=timed_out or bool(reason),
            )
            slot.done_in_task.add(slot.running)
        else:
            # Outside any test: in a class or module fixture, or between
            # tests. Such a class gets one more worker; a second death
            # ends it, so a fixture that kills workers cannot loop. One
            # that hangs past --timeout is not tried again: it would hang
            # again.
            retries += 1
            if retries > 1 or timed_out or reason:
                self._fail_class(slot, message, kind)
                return
        remaining = self._remaining(slot)
        if remaining:
            new_id = self.next_task_id
            self.next_task_id += 1
            self.test_lists[new_id] = remaining
            self.schedule.put_back(
                slot.number, Task(new_id, pickle.dumps(remaining), retries), task.id
            )
        slot.task, slot.running = None, None

    def _remaining(self, slot: Slot) -> list:
        return [
            test
            for index, test in enumerate(self.test_lists[slot.task.id])
            if index not in slot.done_in_task
        ]

    def _fail_class(self, slot: Slot, message: str, kind: str) -> None:
        """Report the slot's class as an error (its worker died outside any
        test), dropping the tests it had left."""
        name = self._class_name(slot.task.id)
        what = (
            "its remaining tests did not run"
            if self._remaining(slot)
            else "in a class or module fixture"
        )
        self.replayer.context_failed(
            f"{name} ({what})",
            message.replace(
                "while running this test",
                "outside any test, in a class or module fixture",
            )
            + "\n",
            kind,
        )
        slot.task, slot.running = None, None

    def _check_exits(self) -> None:
        """Bound how long a worker may take to exit once it should, and
        notice one that ended without closing its sentinel."""
        now = time.monotonic()
        for slot in self.slots:
            if slot.process is None or not (
                slot.exiting_since is not None or slot.sentinel_closed
            ):
                continue
            if not slot.process.is_alive():
                self._drain(slot)
                self._reap(slot)
            elif (
                slot.exiting_since is not None
                and now - slot.exiting_since > self.exit_grace
            ):
                slot.process.kill()
                why = "; ".join(slot.threads_left) or (
                    f"after {slot.last_class}: a thread left running?"
                    if slot.last_class
                    else "a thread left running?"
                )
                told = "being told to" if slot.closing else "closing its pipe"
                self._reap(
                    slot,
                    f"did not exit within {self.exit_grace:g}s of {told} "
                    f"({why}); it was killed",
                )

    def boot_bound(self) -> float | None:
        """Seconds a worker may take to set itself up once its databases
        were sent: ``--timeout`` when given, else ``boot_timeout``."""
        if self.timeout:
            return self.timeout + self.hang_grace
        return self.boot_timeout

    def _check_hangs(self) -> None:
        now = time.monotonic()
        boot_bound = self.boot_bound()
        for slot in self.slots:
            if (
                boot_bound is not None
                and slot.process is not None
                and not slot.ready
                and slot.databases_sent_at is not None
                and now - slot.databases_sent_at > boot_bound
            ):
                self._boot_hung(slot)
            if (
                self.timeout
                and slot.process is not None
                and slot.task is not None
                and not slot.closing
                and now - slot.busy_since > self.timeout + self.hang_grace
            ):
                slot.process.kill()
                self._reap(
                    slot,
                    f"did not finish within --timeout {self.timeout:g}s and was killed",
                )

    def _boot_hung(self, slot: Slot) -> None:
        """A worker still not set up, ``timeout`` (and the grace) after the
        databases were ready: the run cannot go on. SIGABRT first, so that
        faulthandler writes where it hangs into its log."""
        process = slot.process
        try:
            os.kill(process.pid, signal.SIGABRT)
        except OSError:
            pass
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        self._close_conn(slot)
        slot.process = None
        self.timeline.died(slot.number, None, "did not set itself up in time", True)
        self.timeline.process_ended(slot.number)
        stack = read_tail(slot.plan.log_file).strip()
        if stack:
            self.messages.worker_traceback(stack + "\n")
        if self.timeout:
            bound = f"--timeout {self.timeout:g}s (and {self.hang_grace:g}s of grace)"
        else:
            bound = f"{self.boot_timeout:g}s (settings.DJANGO_PARALLEL['boot_timeout'])"
        raise WorkerStartError(
            f"worker {slot.number} did not set itself up within {bound} once "
            "the databases were ready; where it was is above"
        )

    def shutdown(self, at_once: bool = False) -> None:
        """End every worker: politely when the run finished, at once when it
        did not, or when ``at_once`` (not waiting for booting workers)."""
        finished = not at_once and not any(
            s.task for s in self.slots if s.process is not None
        )
        deadline = time.monotonic() + (10 if finished else 0)
        for slot in self.slots:
            self._end(slot, polite=finished, deadline=deadline)

    def _end(self, slot: Slot, *, polite: bool, deadline: float) -> None:
        """End a slot's worker: asked to (``polite``), it has until
        ``deadline``; then it is terminated, and killed if need be."""
        if slot.process is None:
            return
        # Only a worker that has read its databases is reading its pipe: a
        # send to one still booting could block for as long as it boots.
        polite = polite and slot.ready
        if polite:
            try:
                slot.conn.send(None)
            except OSError:
                pass
        slot.process.join(max(0.0, deadline - time.monotonic()) if polite else 0)
        if slot.process.is_alive():
            slot.process.terminate()
            slot.process.join(5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        self._close_conn(slot)
        slot.process = None
        self.timeline.process_ended(slot.number)
