"""What workers tell the parent, one small picklable message per fact.

Workers send tracebacks as formatted text, never as pickled exceptions, so an
exception or a subtest parameter that cannot be pickled costs nothing but its
object identity. The parent replays the events onto one ordinary unittest
result (see ``replay.py``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django_parallel.failures import ErrorDetail


class Outcome(enum.Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    SKIP = "skip"
    EXPECTED_FAILURE = "expected failure"
    UNEXPECTED_SUCCESS = "unexpected success"


@dataclass(frozen=True)
class WorkerReady:
    """The worker in ``slot`` has set itself up and waits for work.
    ``boot_seconds`` it took to set Django up, ``attach_seconds`` to attach
    its databases once they came (with, in a new interpreter, importing the
    test modules and the checks), each timed by the worker: durations need
    no clock shared with the parent (for --timeline)."""

    slot: int
    pid: int
    boot_seconds: float = 0.0
    attach_seconds: float = 0.0


@dataclass(frozen=True)
class WorkerBroken:
    """The worker could not set itself up; ``text`` is its traceback."""

    slot: int
    text: str


@dataclass(frozen=True)
class TestStarted:
    """``log_offset`` is the size of the worker's stderr log when the test
    started: what a crash leaves in the log is read from there."""

    task: int
    index: int
    log_offset: int = 0


@dataclass(frozen=True)
class TestOutcome:
    """One outcome of a test (a test may have two: a failure, then an error
    in tearDown). ``text`` is the formatted traceback, with captured output
    and SQL when those are on; ``reason`` is a skip's reason."""

    task: int
    index: int
    outcome: Outcome
    text: str | None = None
    reason: str | None = None
    # The failure's parts, for machine-read reports (--junit-xml).
    detail: ErrorDetail | None = None


@dataclass(frozen=True)
class SubTestOutcome:
    """A failing or erroring subtest, described by its parameters' text."""

    task: int
    index: int
    description: str
    outcome: Outcome
    text: str
    detail: ErrorDetail | None = None


@dataclass(frozen=True)
class TestStopped:
    task: int
    index: int
    duration: float


@dataclass(frozen=True)
class FixtureTimed:
    """How long a class fixture of the task's class took (``fixture``:
    setUpClass, setUpTestData or tearDownClass), for --durations."""

    task: int
    fixture: str
    seconds: float


@dataclass(frozen=True)
class ContextError:
    """An error outside any test: setUpClass, setUpModule and their teardowns."""

    task: int
    description: str
    text: str
    detail: ErrorDetail | None = None


@dataclass(frozen=True)
class ContextSkipped:
    """setUpClass or setUpModule raised SkipTest: the whole class is skipped."""

    task: int
    description: str
    reason: str


@dataclass(frozen=True)
class Output:
    """A chunk of what a test printed, forwarded when output is not buffered."""

    slot: int
    stream: str
    text: str


@dataclass(frozen=True)
class TaskDone:
    """A task's tests have run; ``seconds`` is its whole time in the worker,
    class fixtures included, for the next run's schedule."""

    task: int
    seconds: float = 0.0


@dataclass(frozen=True)
class ThreadsLeft:
    """A task left threads running that are not daemons (their names): the
    worker cannot exit until they end."""

    task: int
    names: tuple[str, ...]


class RemoteError(Exception):
    """A failure that happened in a worker, carrying its formatted report.

    The parent hands ``(RemoteError, RemoteError(text), None)`` to the result
    as the exc_info of the failure; django-parallel's result classes print
    ``text`` as it is. ``detail`` has its parts, when the worker could say.
    """

    def __init__(self, text: str, detail: ErrorDetail | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.detail = detail
