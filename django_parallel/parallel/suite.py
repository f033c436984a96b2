"""The suite a parallel run hands to unittest (django/test/runner.py's
``ParallelTestSuite``).

Django's ``tests/runtests.py`` assigns ``Runner.parallel_test_suite.process_setup``
and ``process_setup_args`` before a run; each new worker process calls
``process_setup(*process_setup_args)`` before ``django.setup()``.

The suite orders its classes into tasks; the workers that run them are the
runner's ``Workers`` (``parallel/lifecycle.py``), handed over by
``run_on``.
"""

from __future__ import annotations

import pickle

from django_parallel.errors import RunnerError
from django_parallel.parallel.lifecycle import Workers
from django_parallel.parallel.scheduling import (
    Planned,
    Schedule,
    class_bins,
    class_key,
    estimate_durations,
)
from django_parallel.parallel.worker import Task


def _no_process_setup(*args) -> None:
    """Default hook: a worker needs nothing beyond its plan."""


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
        self.durations: dict[str, float] = options.get("durations") or {}
        self.bins: tuple[type, ...] = tuple(options.get("bins") or ())
        # Keys of the classes to hand out first (--failed-first).
        self.first: set[str] = set(options.get("first") or ())
        # As on Django's suite, set by the runner: the aliases the tests use
        # and those to serialize.
        self.serialized_aliases: set[str] = set()
        self.used_aliases: set[str] = set()
        self.workers: Workers | None = None
        # After the run: seconds per class as the workers timed it, and why
        # the run was given up (workers kept dying), if it was.
        self.class_seconds: dict[str, float] = {}
        self.failure: str | None = None
        # Which classes each worker process ran (parallel/history.py).
        self.history = None

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
        schedule = Schedule(planned, slots)
        if self.first:
            schedule.prefer(
                {
                    i
                    for i, tests in test_lists.items()
                    if class_key(tests[0]) in self.first
                }
            )
        return schedule, test_lists

    def run_on(self, workers: Workers) -> None:
        """Run on ``workers``. The tasks are made now, so that a class that
        cannot be pickled stops the run before any database exists."""
        self._schedule, self.test_lists = self.schedule()
        self.workers = workers

    def run(self, result):
        if self.workers is None:
            raise RuntimeError("the runner must hand the suite its workers (run_on)")
        try:
            self.class_seconds, self.failure = self.workers.run(
                self._schedule, self.test_lists, result
            )
        finally:
            self.history = self.workers.history
        return result
