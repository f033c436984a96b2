"""What the user sees of results (django/test/runner.py's result classes).

``TestResult`` is an ordinary ``unittest.TextTestResult`` that also records
durations on every Python (unittest does so itself only from 3.12), shows the
SQL of failing tests for ``--debug-sql`` and opens a debugger for ``--pdb``.
``Summary`` is the closing line every run prints.
"""

from __future__ import annotations

import io
import logging
import sys
import time
import unittest
from dataclasses import dataclass

from django_parallel.class_timing import class_name, class_times, slowest_classes
from django_parallel.parallel.events import RemoteError

_RECORDS_DURATIONS = sys.version_info >= (3, 12)


class TestResult(unittest.TextTestResult):
    """unittest's text result plus per-test durations on every Python."""

    durations: int | None = None

    def __init__(self, *args, **kwargs) -> None:
        kwargs.pop("durations", None)
        super().__init__(*args, **kwargs)
        if not hasattr(self, "collectedDurations"):
            self.collectedDurations = []
        self._started_at: float | None = None
        # Counted directly: testsRun leaves out skipped tests from 3.12.1 on.
        self.success_count = 0
        # Seconds per test class, for scheduling the next parallel run.
        self.class_durations: dict[str, float] = {}
        # Seconds per class fixture (setUpClass...) per class, for --durations.
        self.fixture_durations: dict[str, dict[str, float]] = {}
        # In a parallel run tests are timed by the workers, and the parent
        # shows which worker ran each test.
        self.timing_is_remote = False
        # Results of tests running at once in several workers arrive
        # interleaved: at -v 2 each is then printed on one line with its
        # test's description, when it arrives.
        self.interleaved = False
        self.current_worker: int | None = None
        self._worker_of: dict[int, int] = {}
        # A live "done/total" line instead of dots, on a terminal at -v 1.
        self.progress = False
        self.total = 0
        self._done = 0
        self._run_started = time.perf_counter()

    def enable_progress(self, total: int) -> None:
        self.progress, self.dots, self.total = True, False, total

    def _show_progress(self) -> None:
        problems = len(self.failures) + len(self.errors) + len(self.unexpectedSuccesses)
        elapsed = time.perf_counter() - self._run_started
        self.stream.write(
            f"\r{self._done}/{self.total} tests, {problems} failed, "
            f"{elapsed:.0f}s elapsed"
        )
        self.stream.flush()

    def worker_of(self, test) -> int | None:
        """The worker that ran ``test`` in a parallel run."""
        return self._worker_of.get(id(getattr(test, "test_case", test)))

    def getDescription(self, test) -> str:
        description = super().getDescription(test)
        worker = self.worker_of(test)
        if worker is not None:
            description += f" [worker {worker}]"
        return description

    def _exc_info_to_string(self, err, test) -> str:
        if isinstance(err[1], RemoteError):
            return err[1].text
        return super()._exc_info_to_string(err, test)

    def addSuccess(self, test) -> None:
        self._open_line(test)
        super().addSuccess(test)
        self.success_count += 1

    def startTest(self, test) -> None:
        self._started_at = time.perf_counter()
        if self.current_worker is not None:
            self._worker_of[id(test)] = self.current_worker
        if self.showAll and self.interleaved:
            # Not "description ... " now: another worker's result could
            # land after it. The outcome prints the whole line.
            unittest.TestResult.startTest(self, test)
            self._newline = True
            return
        super().startTest(test)

    def _open_line(self, test) -> None:
        """At -v 2 in a parallel run: the description before an outcome."""
        if self.showAll and self.interleaved:
            self.stream.write(f"{self.getDescription(test)} ... ")
            self._newline = False  # Python 3.11+ writes the status only.

    def addError(self, test, err) -> None:
        self._open_line(test)
        super().addError(test, err)

    def addFailure(self, test, err) -> None:
        self._open_line(test)
        super().addFailure(test, err)

    def addSkip(self, test, reason) -> None:
        self._open_line(test)
        super().addSkip(test, reason)

    def addExpectedFailure(self, test, err) -> None:
        self._open_line(test)
        super().addExpectedFailure(test, err)

    def addUnexpectedSuccess(self, test) -> None:
        self._open_line(test)
        super().addUnexpectedSuccess(test)

    def stopTest(self, test) -> None:
        super().stopTest(test)
        self._done += 1
        if self.progress:
            self._show_progress()
        if (
            not _RECORDS_DURATIONS
            and not self.timing_is_remote
            and self._started_at is not None
        ):
            self.addDuration(test, time.perf_counter() - self._started_at)

    def addDuration(self, test, elapsed: float) -> None:
        self.collectedDurations.append((str(test), elapsed))
        key = class_name(type(test))
        self.class_durations[key] = self.class_durations.get(key, 0.0) + elapsed

    def addFixtureDuration(self, cls: type, fixture: str, elapsed: float) -> None:
        """A class fixture's time (see class_timing.TimedSuite)."""
        own = self.fixture_durations.setdefault(class_name(cls), {})
        own[fixture] = own.get(fixture, 0.0) + elapsed

    def printErrors(self) -> None:
        if self.progress:
            self.stream.writeln("")
        super().printErrors()
        if self.durations is not None:
            self.print_durations()

    def print_durations(self) -> None:
        """The slowest tests, longest first, as unittest 3.12 shows them."""
        ranked = sorted(self.collectedDurations, key=lambda item: item[1], reverse=True)
        if self.durations > 0:
            ranked = ranked[: self.durations]
        self.stream.writeln("\nSlowest test durations")
        self.stream.writeln("-" * 70)
        hidden = False
        for name, elapsed in ranked:
            if self.showAll is False and elapsed < 0.001:
                hidden = True
                continue
            self.stream.writeln(f"{elapsed:.3f}s {name}")
        self._end_table(hidden)
        self.print_class_durations()

    def print_class_durations(self) -> None:
        """The slowest classes, with their fixtures' time apart."""
        times = class_times(self.class_durations, self.fixture_durations)
        self.stream.writeln(
            "Slowest test classes (setUpClass without its setUpTestData)"
        )
        self.stream.writeln("-" * 70)
        hidden = False
        for row in slowest_classes(times, self.durations):
            if self.showAll is False and row.total < 0.001:
                hidden = True
                continue
            self.stream.writeln(row.line())
        self._end_table(hidden)

    def _end_table(self, hidden: bool) -> None:
        if hidden:
            self.stream.writeln(
                "\n(durations < 0.001s were hidden; use -v to show these durations)"
            )
        else:
            self.stream.writeln("")


class DebugSQLTestResult(TestResult):
    """Shows the SQL each failing test ran, below its traceback."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sql = io.StringIO()
        self._handler = logging.StreamHandler(self._sql)
        self._sql_logger = logging.getLogger("django.db.backends")
        self._sql_of: dict[int, str] = {}

    def startTest(self, test) -> None:
        self._sql.seek(0)
        self._sql.truncate()
        self._saved_level = self._sql_logger.level
        self._sql_logger.setLevel(logging.DEBUG)
        self._sql_logger.addHandler(self._handler)
        super().startTest(test)

    def stopTest(self, test) -> None:
        super().stopTest(test)
        self._sql_logger.removeHandler(self._handler)
        self._sql_logger.setLevel(self._saved_level)

    def _remember_sql(self, test) -> None:
        self._handler.flush()
        self._sql_of[id(test)] = self._sql.getvalue()

    def addError(self, test, err) -> None:
        super().addError(test, err)
        self._remember_sql(test)

    def addFailure(self, test, err) -> None:
        super().addFailure(test, err)
        self._remember_sql(test)

    def addSubTest(self, test, subtest, err) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._remember_sql(subtest)

    def printErrorList(self, flavour, errors) -> None:
        for test, err in errors:
            self.stream.writeln(self.separator1)
            self.stream.writeln(f"{flavour}: {self.getDescription(test)}")
            self.stream.writeln(self.separator2)
            self.stream.writeln(err)
            self.stream.writeln(self.separator2)
            # A parallel run's workers put the SQL into the report itself.
            if id(test) in self._sql_of:
                self.stream.writeln(
                    self._sql_of[id(test)].rstrip() or "(no SQL was run)"
                )
        self.stream.flush()


class PDBTestResult(TestResult):
    """Opens a post-mortem debugger on each error or failure (``--pdb``)."""

    def addError(self, test, err) -> None:
        super().addError(test, err)
        self.debug(err)

    def addFailure(self, test, err) -> None:
        super().addFailure(test, err)
        self.debug(err)

    def addSubTest(self, test, subtest, err) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.debug(err)

    def debug(self, err) -> None:
        try:
            import ipdb as debugger
        except ImportError:
            import pdb as debugger
        exc_type, exc_value, tb = err
        self.stream.writeln(
            f"\nOpening {debugger.__name__}: {exc_type.__name__}: {exc_value}"
        )
        self.stream.flush()
        debugger.post_mortem(tb)


class DebugSQLPDBTestResult(DebugSQLTestResult, PDBTestResult):
    """``--debug-sql`` and ``--pdb`` together."""


class TextTestRunner(unittest.TextTestRunner):
    """unittest's text runner, taking ``durations`` on every Python."""

    resultclass = TestResult

    def __init__(self, *args, durations: int | None = None, **kwargs) -> None:
        # Not handed to unittest: on 3.12+ it would print the table itself,
        # and before 3.12 it does not know the argument.
        super().__init__(*args, **kwargs)
        self.slowest = durations

    def run(self, test):
        self._total = test.countTestCases()
        return super().run(test)

    def _makeResult(self):
        # Kept so that an interrupted run can still print its summary.
        self.result = result = super()._makeResult()
        if isinstance(result, TestResult):
            result.durations = self.slowest
            if self.verbosity == 1 and _is_terminal(self.stream):
                result.enable_progress(getattr(self, "_total", 0))
        return result


class WorkerMessages:
    """What a parallel run shows besides results: the output its workers
    forward, tagged with the worker, and warnings about the workers. Each
    starts on a line of its own, clear of the live progress line (redrawn
    at the next update) and of unittest's dots."""

    def __init__(self, result: unittest.TestResult) -> None:
        self.result = result
        self._dots_at = 0

    def _clear_line(self) -> None:
        if getattr(self.result, "progress", False):
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    def output(self, slot: int, stream_name: str, text: str) -> None:
        self._clear_line()
        stream = sys.stdout if stream_name == "stdout" else sys.stderr
        for line in text.splitlines(keepends=True):
            stream.write(f"[worker {slot}] {line}")
        stream.flush()

    def worker_traceback(self, text: str) -> None:
        """A worker's own report of why it could not set itself up."""
        self._clear_line()
        sys.stderr.write(text)
        sys.stderr.flush()

    def warning(self, message: str) -> None:
        self.notice(f"django-parallel: warning: {message}")

    def notice(self, line: str) -> None:
        """One line about the run, as it is."""
        self._clear_line()
        if (
            getattr(self.result, "dots", False)
            and self.result.testsRun != self._dots_at
        ):
            # unittest's dots leave the line open.
            sys.stderr.write("\n")
            self._dots_at = self.result.testsRun
        sys.stderr.write(f"{line}\n")
        sys.stderr.flush()


def _is_terminal(stream) -> bool:
    target = getattr(stream, "stream", stream)
    try:
        return target.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass(frozen=True)
class Summary:
    """The counts of a finished (or interrupted) run."""

    passed: int
    failed: int
    errors: int
    skipped: int
    expected_failures: int
    unexpected_successes: int
    seconds: float

    @classmethod
    def of(cls, result: unittest.TestResult, seconds: float) -> Summary:
        passed = getattr(result, "success_count", None)
        return cls(
            passed=_estimate_passed(result) if passed is None else passed,
            failed=len(result.failures),
            errors=len(result.errors),
            skipped=len(result.skipped),
            expected_failures=len(result.expectedFailures),
            unexpected_successes=len(result.unexpectedSuccesses),
            seconds=seconds,
        )

    def line(self, shuffle_seed: int | None = None) -> str:
        text = (
            f"{self.passed} passed, {self.failed} failed, {self.errors} errors, "
            f"{self.skipped} skipped, {self.expected_failures} expected failures, "
            f"{self.unexpected_successes} unexpected successes in {self.seconds:.2f}s"
        )
        if shuffle_seed is not None:
            text += f" (shuffle seed {shuffle_seed})"
        return text


def _estimate_passed(result: unittest.TestResult) -> int:
    """Passed tests of a result class that does not count them itself."""
    not_passed = set()
    for outcome in (result.failures, result.errors, result.expectedFailures):
        for test, _ in outcome:
            not_passed.add(_test_of(test))
    not_passed.update(_test_of(test) for test in result.unexpectedSuccesses)
    # Skipped tests are left out: whether testsRun counts them depends on the
    # Python version (3.12.1 stopped counting decorated skips), so the
    # estimate may count them as passed. Class-level errors are not tests.
    not_passed = {t for t in not_passed if not _is_error_holder(t)}
    return max(result.testsRun - len(not_passed), 0)


def _test_of(test):
    return getattr(test, "test_case", test)


def _is_error_holder(test) -> bool:
    return type(test).__name__ == "_ErrorHolder"
