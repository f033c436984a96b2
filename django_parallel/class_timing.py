"""Where a test class's time goes, for ``--durations``: its tests, and its
class fixtures apart (setUpClass, Django's setUpTestData inside it, and
tearDownClass).

unittest calls class fixtures from its suite, between tests, where no result
sees them; ``TimedSuite`` times them there and hands each time to the
result's ``addFixtureDuration(cls, fixture, seconds)``. A worker's result
sends it to the parent as an event (``FixtureTimed``), so a parallel run
shows what a serial one does. ``ClassTimes`` and ``slowest_classes`` make
the table.
"""

from __future__ import annotations

import contextlib
import time
import unittest
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

SET_UP_CLASS = "setUpClass"
SET_UP_TEST_DATA = "setUpTestData"
TEAR_DOWN_CLASS = "tearDownClass"

# Replaced by the unit tests with a clock they drive.
clock: Callable[[], float] = time.perf_counter

Report = Callable[[type, str, float], None]


def class_name(cls: type) -> str:
    """The class as recorded and shown: ``module.QualName``."""
    return f"{cls.__module__}.{cls.__qualname__}"


class TimedSuite(unittest.TestSuite):
    """unittest's suite, timing each class's fixtures for the result (when
    the result has ``addFixtureDuration``; otherwise it is unittest's)."""

    def _handleClassSetUp(self, test, result) -> None:
        report = getattr(result, "addFixtureDuration", None)
        cls = test.__class__
        if report is None or cls is getattr(result, "_previousTestClass", None):
            super()._handleClassSetUp(test, result)
            return
        with _timing_set_up_test_data(cls, report):
            started = clock()
            try:
                super()._handleClassSetUp(test, result)
            finally:
                report(cls, SET_UP_CLASS, clock() - started)

    def _tearDownPreviousClass(self, test, result) -> None:
        report = getattr(result, "addFixtureDuration", None)
        previous = getattr(result, "_previousTestClass", None)
        if report is None or previous is None or previous is test.__class__:
            super()._tearDownPreviousClass(test, result)
            return
        started = clock()
        try:
            super()._tearDownPreviousClass(test, result)
        finally:
            report(previous, TEAR_DOWN_CLASS, clock() - started)


@contextlib.contextmanager
def _timing_set_up_test_data(cls: type, report: Report) -> Iterator[None]:
    """While ``cls`` is set up, its ``setUpTestData`` (which Django's
    TestCase.setUpClass calls) is timed too. The timing wrapper is put on
    the class only for that time, and is there before setUpClass starts:
    Django wraps what setUpTestData adds to the class by comparing the class
    before and after, and sees the wrapper in both."""
    method = getattr(cls, SET_UP_TEST_DATA, None)
    if not callable(method):
        yield
        return
    own = vars(cls).get(SET_UP_TEST_DATA, _MISSING)

    def timed(klass):
        started = clock()
        try:
            return method()
        finally:
            report(cls, SET_UP_TEST_DATA, clock() - started)

    try:
        setattr(cls, SET_UP_TEST_DATA, classmethod(timed))
    except (AttributeError, TypeError):  # a class that refuses: not timed
        yield
        return
    try:
        yield
    finally:
        if own is _MISSING:
            with contextlib.suppress(AttributeError):
                delattr(cls, SET_UP_TEST_DATA)
        else:
            setattr(cls, SET_UP_TEST_DATA, own)


_MISSING = object()


@dataclass(frozen=True)
class ClassTimes:
    """One class's seconds. ``set_up_class`` includes ``set_up_test_data``.
    A fixture not timed is None (a class without setUpTestData, or a suite
    that does not time fixtures) and not shown."""

    name: str
    tests: float = 0.0
    set_up_class: float | None = None
    set_up_test_data: float | None = None
    tear_down_class: float | None = None

    @property
    def total(self) -> float:
        return self.tests + (self.set_up_class or 0.0) + (self.tear_down_class or 0.0)

    def line(self) -> str:
        """``total name (parts)``; the parts add up to the total:
        setUpClass is shown without the setUpTestData it ran."""
        parts = [f"tests {self.tests:.3f}s"]
        if self.set_up_class is not None:
            own = self.set_up_class - (self.set_up_test_data or 0.0)
            parts.append(f"setUpClass {max(own, 0.0):.3f}s")
        if self.set_up_test_data is not None:
            parts.append(f"setUpTestData {self.set_up_test_data:.3f}s")
        if self.tear_down_class is not None:
            parts.append(f"tearDownClass {self.tear_down_class:.3f}s")
        return f"{self.total:.3f}s {self.name} ({', '.join(parts)})"


def class_times(
    tests: dict[str, float], fixtures: dict[str, dict[str, float]]
) -> list[ClassTimes]:
    """Every class timed, from its tests' seconds and its fixtures'."""
    times = []
    for name in sorted(set(tests) | set(fixtures)):
        own = fixtures.get(name, {})
        times.append(
            ClassTimes(
                name=name,
                tests=tests.get(name, 0.0),
                set_up_class=own.get(SET_UP_CLASS),
                set_up_test_data=own.get(SET_UP_TEST_DATA),
                tear_down_class=own.get(TEAR_DOWN_CLASS),
            )
        )
    return times


def slowest_classes(times: Iterable[ClassTimes], count: int) -> list[ClassTimes]:
    """The ``count`` slowest classes (0: all), slowest first; ties by name,
    so the table is the same for the same times."""
    ranked = sorted(times, key=lambda t: (-t.total, t.name))
    return ranked[:count] if count > 0 else ranked
