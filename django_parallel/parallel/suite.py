"""The suite a parallel run hands to unittest (django/test/runner.py's
``ParallelTestSuite``).

Django's ``tests/runtests.py`` assigns ``Runner.parallel_test_suite.process_setup``
and ``process_setup_args`` before a run; each new worker process calls
``process_setup(*process_setup_args)`` before ``django.setup()``.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from contextlib import nullcontext

from django_parallel.errors import RunnerError
from django_parallel.parallel.plan import WorkerDatabases, WorkerPlan
from django_parallel.parallel.replay import Replayer
from django_parallel.parallel.scheduling import (
    Planned,
    Schedule,
    class_bins,
    estimate_durations,
)
from django_parallel.parallel.supervisor import Supervisor
from django_parallel.parallel.worker import Task

FORKSERVER_PRELOAD = ["django.test", "django_parallel.parallel.worker"]


def _no_process_setup(*args) -> None:
    """Default hook: a worker needs nothing beyond its plan."""


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


def boot_workers(
    start_method: str | None,
    plan: Callable[[int], WorkerPlan],
    processes: int,
    timeout: float | None = None,
    max_restarts: int | None = None,
) -> Supervisor | None:
    """Start ``processes`` workers before the tests are discovered, when
    each must boot a new interpreter (spawn, forkserver): they import Django
    while the parent discovers the tests and creates the databases. A forked
    worker costs nothing to boot and should inherit the imported tests, so
    under fork this returns None and the suite starts its workers later."""
    context = worker_context(start_method)
    if context.get_start_method() == "fork":
        return None
    supervisor = Supervisor(
        context,
        [plan(slot) for slot in range(1, processes + 1)],
        timeout=timeout,
        max_restarts=max_restarts,
    )
    supervisor.start()
    return supervisor


class ParallelTestSuite:
    """Test classes to run in ``processes`` worker processes."""

    process_setup = _no_process_setup
    process_setup_args: tuple = ()

    def __init__(
        self,
        subsuites,
        processes: int,
        failfast: bool = False,
        debug_mode: bool = False,
        buffer: bool = False,
        **options,
    ) -> None:
        self.subsuites = [list(group) for group in subsuites]
        self.processes = processes
        self.failfast = failfast
        self.debug_mode = debug_mode
        self.buffer = buffer
        self.start_method: str | None = options.get("start_method")
        self.timeout: float | None = options.get("timeout")
        self.max_restarts: int | None = options.get("max_restarts")
        self.durations: dict[str, float] = options.get("durations") or {}
        self.bins: tuple[type, ...] = tuple(options.get("bins") or ())
        # Set by the runner once the databases exist.
        self.worker_databases: Callable[[int], WorkerDatabases] | None = None
        self.supervisor: Supervisor | None = None
        self.serialized_aliases: set[str] = set()
        # After the run: seconds per class as the workers timed it.
        self.class_seconds: dict[str, float] = {}
        self.used_aliases: set[str] = set()
        # Why the run was given up (workers kept dying), if it was.
        self.failure: str | None = None

    @classmethod
    def process_setup_hook(cls):
        """The hook as a plain function (it may be set as a class attribute)."""
        for klass in cls.__mro__:
            if "process_setup" in klass.__dict__:
                hook = klass.__dict__["process_setup"]
                return getattr(hook, "__func__", hook)
        return _no_process_setup

    def __iter__(self):
        for group in self.subsuites:
            yield from group

    def countTestCases(self) -> int:
        return sum(len(group) for group in self.subsuites)

    def __call__(self, result):
        return self.run(result)

    def context(self):
        return worker_context(self.start_method)

    def schedule(self) -> tuple[Schedule, dict[int, list]]:
        """One task per class, shared out between the workers; the parent
        keeps the tests to replay events onto, the workers get pickled
        copies."""
        estimates = estimate_durations(self.subsuites, self.durations)
        bins = class_bins(self.subsuites, self.bins)
        planned, test_lists = [], {}
        for task_id, tests in enumerate(self.subsuites):
            test_lists[task_id] = tests
            try:
                payload = pickle.dumps(tests)
            except Exception as exc:
                raise RunnerError(
                    f"the tests of {type(tests[0]).__qualname__} cannot be sent "
                    f"to a worker process ({exc}); run with --parallel 1"
                ) from None
            planned.append(
                Planned(Task(task_id, payload), bins[task_id], estimates[task_id])
            )
        slots = range(1, self.processes + 1)
        return Schedule(planned, slots), test_lists

    def start_workers(
        self,
        plan: Callable[[int], WorkerPlan],
        booted: Supervisor | None = None,
        fork_guard: Callable | None = None,
    ) -> None:
        """Take over the workers ``boot_workers`` started (ending any beyond
        ``processes``), or start them: forked workers once the databases
        exist and the checks have run, as Django forks its own.
        ``fork_guard()`` is held around each fork."""
        from django.db import connections

        self._schedule, self.test_lists = self.schedule()
        if booted is not None and len(booted.slots) >= self.processes:
            booted.retire(self.processes)
            self.supervisor = booted
            return
        if booted is not None:
            booted.shutdown(at_once=True)
        # Nothing open for a forked worker to inherit (in-memory SQLite
        # databases stay: closing them is a no-op).
        connections.close_all()
        plans = [plan(slot) for slot in range(1, self.processes + 1)]
        self.supervisor = Supervisor(
            self.context(),
            plans,
            timeout=self.timeout,
            max_restarts=self.max_restarts,
            fork_guard=fork_guard or nullcontext,
        )
        self.supervisor.start()

    def stop_workers(self) -> None:
        if self.supervisor is not None:
            self.supervisor.shutdown()

    def run(self, result):
        if self.supervisor is None or self.worker_databases is None:
            raise RuntimeError(
                "the runner must start the workers and set worker_databases"
            )
        from django.db import connections

        connections.close_all()
        replayer = Replayer(result, self.test_lists)
        self.supervisor.run(
            self._schedule, self.test_lists, replayer, self.worker_databases
        )
        self.class_seconds = replayer.class_seconds
        self.failure = self.supervisor.failure
        return result
