"""Supervising the worker processes (our own, not ``multiprocessing.Pool``).

One slot per test database clone. A slot's worker runs one test class at a
time, as the schedule decides; its events are replayed as they arrive. A worker that dies is reported
on the test it was running, with its exit status and the tail of its stderr,
and the slot gets a new worker on the same clone; the rest of the dead
worker's class runs again elsewhere. A worker that cannot set itself up stops
the run.
"""

from __future__ import annotations

import pickle
import signal
import sys
import time
import unittest
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from django_parallel.errors import RunnerError
from django_parallel.interrupts import sigint_ignored
from django_parallel.parallel.events import (
    Output,
    TaskDone,
    TestStarted,
    TestStopped,
    WorkerBroken,
    WorkerReady,
)
from django_parallel.parallel.plan import WorkerDatabases, WorkerPlan
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.scheduling import Schedule
from django_parallel.parallel.worker import StopFlag, Task, worker_main

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
    task: Task | None = None
    running: int | None = None  # index of the test running in ``task``
    test_started_at: float = 0.0
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
    ) -> None:
        self.context = context
        self.slots = [Slot(plan.slot, plan) for plan in plans]
        self.schedule: Schedule | None = None
        self.test_lists: dict[int, list] = {}
        self.replayer: Replayer | None = None
        self.timeout = timeout
        self.stop_event = StopFlag(context)
        self.next_task_id = 0
        self.stopping_since: float | None = None

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

    def _start(self, slot: Slot) -> None:
        parent_end, child_end = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=worker_main,
            args=(slot.plan, child_end, self.stop_event),
            name=f"django_parallel-worker-{slot.number}",
            daemon=True,
        )
        with sigint_ignored():
            process.start()
        child_end.close()
        slot.process, slot.conn = process, parent_end
        slot.ready = slot.closing = False
        slot.task, slot.running = None, None
        if slot.databases is not None:
            # A replacement worker: the databases exist already.
            slot.conn.send(slot.databases)

    def _dispatch(self, slot: Slot) -> None:
        task = None if self.stop_event.is_set() else self.schedule.next_for(slot.number)
        if task is not None:
            slot.task = task
            slot.done_in_task = set()
            slot.conn.send(slot.task)
        elif not slot.closing:
            slot.closing = True
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
        try:
            for slot in self.slots:
                slot.databases = databases(slot.number)
                if slot.process is None:
                    self._start(slot)
                    continue
                try:
                    slot.conn.send(slot.databases)
                except OSError:
                    pass  # It died while booting: reaped and reported below.
            while any(s.process is not None for s in self.slots):
                if self.replayer.result.shouldStop and self.stopping_since is None:
                    self.stop_event.set()
                    self.schedule.clear()
                    self.stopping_since = time.monotonic()
                    if getattr(unittest.signals._interrupt_handler, "called", False):
                        print(STOPPING, file=sys.stderr, flush=True)
                if (
                    self.stopping_since is not None
                    and time.monotonic() - self.stopping_since > STOP_GRACE
                ):
                    break
                waitables = {}
                for slot in self.slots:
                    if slot.process is not None:
                        waitables[slot.conn] = slot
                        waitables[slot.process.sentinel] = slot
                for ready in wait(list(waitables), timeout=0.5):
                    slot = waitables[ready]
                    if ready is slot.conn:
                        self._drain(slot)
                    elif slot.process is not None and not slot.process.is_alive():
                        self._drain(slot)
                        self._reap(slot)
                self._check_hangs()
        finally:
            unittest.removeResult(self.stop_event)
            self.shutdown()

    def _drain(self, slot: Slot) -> None:
        while slot.process is not None:
            try:
                if not slot.conn.poll():
                    return
                event = slot.conn.recv()
            except (EOFError, OSError):
                return
            self._on_event(slot, event)

    def _on_event(self, slot: Slot, event) -> None:
        if isinstance(event, Output):
            if getattr(self.replayer.result, "progress", False):
                # Clear the live progress line; the next update redraws it.
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()
            stream = sys.stdout if event.stream == "stdout" else sys.stderr
            for line in event.text.splitlines(keepends=True):
                stream.write(f"[worker {event.slot}] {line}")
            stream.flush()
            return
        if isinstance(event, WorkerReady):
            slot.ready, slot.pid = True, event.pid
            self._dispatch(slot)
            return
        if isinstance(event, WorkerBroken):
            sys.stderr.write(event.text)
            last = event.text.strip().splitlines()[-1] if event.text.strip() else ""
            raise WorkerStartError(
                f"worker {slot.number} could not set itself up ({last}); "
                "fix the error above, or run with --parallel 1 to see it in "
                "this process"
            )
        if isinstance(event, TestStarted):
            slot.running = event.index
            slot.test_started_at = time.monotonic()
            slot.log_offset = event.log_offset
        self.replayer.handle(event, slot.number)
        if isinstance(event, TestStopped):
            slot.done_in_task.add(event.index)
            slot.running = None
        elif isinstance(event, TaskDone):
            slot.task = None
            self._dispatch(slot)

    def _reap(self, slot: Slot) -> None:
        """A worker process ended: normally, or by crashing."""
        process = slot.process
        process.join()
        exitcode = process.exitcode
        slot.conn.close()
        slot.process = None
        if slot.closing and exitcode == 0:
            return
        if not slot.ready:
            tail = read_tail(slot.plan.log_file)
            raise WorkerStartError(
                f"worker {slot.number} died while setting itself up "
                f"({describe_exit(exitcode)}): {tail.strip()[-500:] or 'no output'}"
            )
        self._report_crash(slot, exitcode)
        self._start(slot)

    def _report_crash(self, slot: Slot, exitcode: int | None, reason: str = "") -> None:
        task = slot.task
        tail = read_tail(slot.plan.log_file, slot.log_offset)
        timed_out = "Timeout (" in tail
        what = reason or (
            f"timed out after {self.timeout:g}s (--timeout)"
            if timed_out
            else f"died ({describe_exit(exitcode)})"
        )
        message = (
            f"The worker process {slot.pid} (slot {slot.number}) {what} while "
            "running this test."
        )
        if tail.strip():
            message += f"\nIts last output:\n{tail.rstrip()}"
        if task is None:
            return
        retries = task.retries
        if slot.running is not None:
            self.replayer.crashed(task.id, slot.running, message + "\n", slot.number)
            slot.done_in_task.add(slot.running)
        else:
            # Outside any test: in a class or module fixture, or between
            # tests. Such a class gets one more worker; a second death
            # ends it, so a fixture that kills workers cannot loop.
            retries += 1
            if retries > 1:
                tests = self.test_lists[task.id]
                name = f"{type(tests[0]).__module__}.{type(tests[0]).__qualname__}"
                self.replayer.context_failed(
                    f"{name} (its remaining tests did not run)",
                    message.replace("while running this test", "outside any test")
                    + "\n",
                )
                slot.task, slot.running = None, None
                return
        remaining = [
            test
            for index, test in enumerate(self.test_lists[task.id])
            if index not in slot.done_in_task
        ]
        if remaining:
            new_id = self.next_task_id
            self.next_task_id += 1
            self.test_lists[new_id] = remaining
            self.schedule.put_back(
                slot.number, Task(new_id, pickle.dumps(remaining), retries), task.id
            )
        slot.task, slot.running = None, None

    def _check_hangs(self) -> None:
        if not self.timeout:
            return
        now = time.monotonic()
        for slot in self.slots:
            if (
                slot.process is not None
                and slot.running is not None
                and now - slot.test_started_at > self.timeout + HANG_GRACE
            ):
                slot.process.kill()
                slot.process.join()
                slot.conn.close()
                slot.process = None
                self._report_crash(
                    slot,
                    None,
                    f"did not finish within --timeout {self.timeout:g}s and was killed",
                )
                self._start(slot)

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
        if polite:
            try:
                slot.conn.send(None)
            except OSError:
                pass
        slot.process.join(max(0.0, deadline - time.monotonic()))
        if slot.process.is_alive():
            slot.process.terminate()
            slot.process.join(5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join()
        slot.conn.close()
        slot.process = None
