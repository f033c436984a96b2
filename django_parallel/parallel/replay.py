"""Replaying worker events onto the parent's one unittest result, so result
classes, --durations and failfast work as in a serial run."""

from __future__ import annotations

import unittest
from functools import singledispatchmethod
from unittest.case import _SubTest, _subtest_msg_sentinel

from django_parallel.failures import ErrorDetail, first_line
from django_parallel.parallel.events import (
    ContextError,
    ContextSkipped,
    FixtureTimed,
    Outcome,
    RemoteError,
    SubTestOutcome,
    TaskDone,
    TestOutcome,
    TestStarted,
    TestStopped,
)
from django_parallel.parallel.scheduling import class_key


class RemoteSubTest(_SubTest):
    """A subtest known to the parent only by its description."""

    def __init__(self, test_case, description: str) -> None:
        super().__init__(test_case, _subtest_msg_sentinel, {})
        self._description = description

    def _subDescription(self) -> str:
        return self._description


def remote_error(text: str, detail: ErrorDetail | None = None):
    return (RemoteError, RemoteError(text, detail), None)


def worker_death(text: str, kind: str) -> ErrorDetail:
    """A worker's death as a failure's parts: ``kind`` names it."""
    return ErrorDetail(type=kind, message=first_line(text), traceback=text)


class Replayer:
    """Applies events to ``result``, looking tests up in ``tasks``."""

    def __init__(self, result: unittest.TestResult, tasks: dict[int, list]) -> None:
        self.result = result
        self.tasks = tasks
        # Seconds per test class, fixtures included, as the workers timed
        # its tasks (a class a crash split up has several).
        self.class_seconds: dict[str, float] = {}
        if hasattr(result, "timing_is_remote"):
            result.timing_is_remote = True
        if hasattr(result, "interleaved"):
            result.interleaved = True
        # Tests (by id()) whose worker was ended for running too long.
        self.timed_out: set[int] = set()

    def test(self, task: int, index: int):
        return self.tasks[task][index]

    @singledispatchmethod
    def handle(self, event, slot: int) -> None:
        raise TypeError(f"unexpected event {event!r}")

    @handle.register
    def _(self, event: TestStarted, slot: int) -> None:
        if hasattr(self.result, "current_worker"):
            self.result.current_worker = slot
        self.result.startTest(self.test(event.task, event.index))

    @handle.register
    def _(self, event: TestStopped, slot: int) -> None:
        test = self.test(event.task, event.index)
        if hasattr(self.result, "addDuration"):
            self.result.addDuration(test, event.duration)
        self.result.stopTest(test)

    @handle.register
    def _(self, event: TestOutcome, slot: int) -> None:
        test = self.test(event.task, event.index)
        result = self.result
        if event.outcome is Outcome.SUCCESS:
            result.addSuccess(test)
        elif event.outcome is Outcome.FAILURE:
            result.addFailure(test, remote_error(event.text, event.detail))
        elif event.outcome is Outcome.ERROR:
            result.addError(test, remote_error(event.text, event.detail))
        elif event.outcome is Outcome.SKIP:
            result.addSkip(test, event.reason)
        elif event.outcome is Outcome.EXPECTED_FAILURE:
            result.addExpectedFailure(test, remote_error(event.text, event.detail))
        elif event.outcome is Outcome.UNEXPECTED_SUCCESS:
            result.addUnexpectedSuccess(test)

    @handle.register
    def _(self, event: SubTestOutcome, slot: int) -> None:
        test = self.test(event.task, event.index)
        error = remote_error(event.text, event.detail)
        if event.outcome is Outcome.FAILURE:
            # unittest tells failures from errors by the exception's class.
            failure = RemoteFailure(event.text, event.detail)
            error = (test.failureException, failure, None)
        self.result.addSubTest(test, RemoteSubTest(test, event.description), error)

    @handle.register
    def _(self, event: ContextError, slot: int) -> None:
        holder = unittest.suite._ErrorHolder(event.description)
        self.result.addError(holder, remote_error(event.text, event.detail))

    @handle.register
    def _(self, event: ContextSkipped, slot: int) -> None:
        holder = unittest.suite._ErrorHolder(event.description)
        self.result.addSkip(holder, event.reason)

    @handle.register
    def _(self, event: FixtureTimed, slot: int) -> None:
        tests = self.tasks[event.task]
        if tests and hasattr(self.result, "addFixtureDuration"):
            self.result.addFixtureDuration(type(tests[0]), event.fixture, event.seconds)

    @handle.register
    def _(self, event: TaskDone, slot: int) -> None:
        tests = self.tasks[event.task]
        if tests:
            key = class_key(tests[0])
            self.class_seconds[key] = self.class_seconds.get(key, 0.0) + event.seconds

    def context_failed(
        self, description: str, text: str, kind: str = "WorkerCrash"
    ) -> None:
        """A worker died outside any test (in a class or module fixture)."""
        holder = unittest.suite._ErrorHolder(description)
        self.result.addError(holder, remote_error(text, worker_death(text, kind)))

    def crashed(
        self,
        task: int,
        index: int,
        text: str,
        slot: int,
        kind: str = "WorkerCrash",
        timed_out: bool = False,
    ) -> None:
        """The worker died (or, ``timed_out``, was ended) inside this test:
        report it as the test's error. ``kind`` is WorkerCrash or
        WorkerTimeout."""
        if hasattr(self.result, "current_worker"):
            self.result.current_worker = slot
        test = self.test(task, index)
        if timed_out:
            self.timed_out.add(id(test))
        self.result.addError(test, remote_error(text, worker_death(text, kind)))
        self.result.stopTest(test)


class RemoteFailure(RemoteError, AssertionError):
    """A subtest failure from a worker (an AssertionError, so it counts as a
    failure rather than an error)."""
