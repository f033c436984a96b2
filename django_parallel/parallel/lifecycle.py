"""The worker processes of one parallel run, from boot to clean-up.

``Workers`` is the one place that decides when workers start, get their
databases, run, are replaced or retired, and end. The runner calls it in
this order, each step where it is for a reason:

1. ``boot()``, at the top of ``run_tests``: under spawn and forkserver each
   worker boots a new interpreter, so they start now and import Django
   while the parent discovers the tests and creates the databases. Under
   fork nothing starts yet.
2. ``fit(processes)``, once the suite is built: workers beyond the number of
   classes end at once (still booting, they would only take cores); a run
   that turns out serial ends them all (``close(at_once=True)``).
3. ``attach(databases, fork_guard)``, once the test databases exist and the
   system checks have run: forked workers start now, as Django forks its
   own, so they inherit what those did; and before the spare-copy thread
   starts, since a process that forks must have no other thread (later
   forks, of replacements, hold ``fork_guard``, which pauses that thread).
4. ``run(schedule, test_lists, result)``, from ``ParallelTestSuite.run``:
   each worker gets its databases, then tasks; the ``Supervisor`` replaces
   workers that die (within ``--max-restarts``), kills those that hang or
   will not exit, and stops them all on failfast or Ctrl-C.
5. ``close()``, in the runner's ``finally``: every worker ends, politely
   when the run finished, at once otherwise. Idempotent.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from django_parallel.errors import RunnerError
from django_parallel.parallel.history import WorkerHistory
from django_parallel.parallel.plan import WorkerDatabases, WorkerPlan
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.scheduling import Schedule
from django_parallel.parallel.supervisor import Supervisor

FORKSERVER_PRELOAD = ["django.test", "django_parallel.parallel.worker"]


def worker_context(start_method: str | None):
    """The multiprocessing context workers are started from."""
    try:
        context = multiprocessing.get_context(start_method)
    except ValueError as exc:
        raise RunnerError(f"--start-method: {exc}") from None
    if context.get_start_method() == "forkserver":
        # Imported once in the fork server, not again in every worker.
        context.set_forkserver_preload(FORKSERVER_PRELOAD)
    return context


class Workers:
    """The worker processes of one parallel run (see the module docstring
    for the order of the calls)."""

    def __init__(
        self,
        start_method: str | None,
        plan: Callable[[int], WorkerPlan],
        processes: int,
        *,
        timeout: float | None = None,
        max_restarts: int | None = None,
        boot_timeout: float | None = None,
        timeline=None,
    ) -> None:
        self.context = worker_context(start_method)
        # The run's TimelineRecorder (--timeline), if it records one.
        self.timeline = timeline
        self.forks = self.context.get_start_method() == "fork"
        self.plan = plan
        self.processes = processes
        self.timeout = timeout
        self.max_restarts = max_restarts
        self.boot_timeout = boot_timeout
        self.databases: Callable[[int], WorkerDatabases] | None = None
        self.supervisor: Supervisor | None = None
        # What each worker process ran, once run() has started.
        self.history: WorkerHistory | None = None
        self.fork_guard: Callable[[], AbstractContextManager] = nullcontext
        # The last run's replayer (what it knows of the tests' fates).
        self.replayer: Replayer | None = None

    def _start(
        self, fork_guard: Callable[[], AbstractContextManager] = nullcontext
    ) -> None:
        self.supervisor = Supervisor(
            self.context,
            [self.plan(slot) for slot in range(1, self.processes + 1)],
            timeout=self.timeout,
            max_restarts=self.max_restarts,
            boot_timeout=self.boot_timeout,
            fork_guard=fork_guard,
            timeline=self.timeline.lanes("run") if self.timeline else None,
        )
        self.supervisor.start()

    def boot(self) -> None:
        """Start booting the workers now, unless they are to be forked."""
        if not self.forks:
            self._start()

    def fit(self, processes: int, plan: Callable[[int], WorkerPlan] | None = None):
        """The suite needs ``processes`` workers, set up from ``plan`` (None:
        the plan they booted with; another one, from a suite class with its
        own ``process_setup``, means booting again)."""
        booted = self.supervisor
        reboot = booted is not None and (
            plan is not None or len(booted.slots) < processes
        )
        if reboot:
            booted.shutdown(at_once=True)
            for slot in booted.slots:
                booted.timeline.discard(slot.number)
            self.supervisor = None
        self.plan = plan or self.plan
        self.processes = processes
        if self.supervisor is not None:
            self.supervisor.retire(processes)
        elif reboot:
            self._start()

    def attach(
        self,
        databases: Callable[[int], WorkerDatabases],
        fork_guard: Callable[[], AbstractContextManager] = nullcontext,
    ) -> None:
        """The test databases exist (``databases(slot)`` gives a slot's
        copies) and the checks have run: fork the workers now."""
        self.databases = databases
        self.fork_guard = fork_guard
        if self.supervisor is None:
            from django.db import connections

            # Nothing open for a forked worker to inherit (in-memory SQLite
            # databases stay: closing them is a no-op).
            connections.close_all()
            self._start(fork_guard)

    def run(
        self, schedule: Schedule, test_lists: dict[int, list], result
    ) -> tuple[dict[str, float], str | None]:
        """Run every task onto ``result``. Returns the seconds per class as
        the workers timed them, and why the run was given up, if it was."""
        if self.supervisor is None or self.databases is None:
            raise RuntimeError("Workers.attach() must come before run()")
        from django.db import connections

        connections.close_all()
        replayer = self.replayer = Replayer(result, test_lists)
        try:
            self.supervisor.run(schedule, test_lists, replayer, self.databases)
        finally:
            # Kept when the run stops early too: its record says what ran.
            self.history = self.supervisor.history
        return replayer.class_seconds, self.supervisor.failure

    def close(self, at_once: bool = False) -> None:
        """End every worker (idempotent)."""
        if self.supervisor is not None:
            self.supervisor.shutdown(at_once=at_once)
