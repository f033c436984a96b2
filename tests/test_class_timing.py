"""Class fixture timing on its own (class_timing.py): real unittest classes
and suites, against a clock the fixtures themselves move, so every second
is known. (test_durations shows the table from outside.)"""

import io
import unittest
from unittest import mock

from django_parallel import class_timing
from django_parallel.class_timing import ClassTimes, TimedSuite, class_times
from django_parallel.reporting import TestResult


class Clock:
    """A clock that moves only when a fixture says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


CLOCK = Clock()


class Recorder(unittest.TestResult):
    def __init__(self) -> None:
        super().__init__()
        self.fixtures: list[tuple[str, str, float]] = []

    def addFixtureDuration(self, cls, fixture, seconds) -> None:
        self.fixtures.append((cls.__name__, fixture, seconds))


class Sample:
    """Classes the suites below run (out of reach of discovery)."""

    class Base(unittest.TestCase):
        """Calls setUpTestData from setUpClass as Django's TestCase does, and
        checks, as Django does, that doing so left the class as it was."""

        @classmethod
        def setUpClass(cls):
            super().setUpClass()
            CLOCK.advance(2)
            before = dict(vars(cls))
            cls.setUpTestData()
            cls.changed = sorted(
                name
                for name, value in vars(cls).items()
                if before.get(name, object()) is not value
            )

        @classmethod
        def setUpTestData(cls):
            CLOCK.advance(5)

        @classmethod
        def tearDownClass(cls):
            CLOCK.advance(1)
            super().tearDownClass()

    class Inheriting(Base):
        def test_one(self):
            pass

        def test_two(self):
            pass

    class Own(Base):
        @classmethod
        def setUpTestData(cls):
            super().setUpTestData()
            CLOCK.advance(3)
            cls.rows = ["made by setUpTestData"]

        def test_one(self):
            pass

    class Failing(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            CLOCK.advance(4)
            raise RuntimeError("set-up fails")

        def test_never_runs(self):
            pass


class TimedSuiteTests(unittest.TestCase):
    def run_suite(self, *tests, result=None):
        result = result or Recorder()
        with mock.patch.object(class_timing, "clock", CLOCK):
            TimedSuite(list(tests)).run(result)
        return result

    def test_each_fixture_is_timed_once_per_class(self):
        result = self.run_suite(
            Sample.Inheriting("test_one"),
            Sample.Inheriting("test_two"),
            Sample.Own("test_one"),
        )
        self.assertEqual(
            result.fixtures,
            [
                ("Inheriting", "setUpTestData", 5.0),
                ("Inheriting", "setUpClass", 7.0),
                ("Inheriting", "tearDownClass", 1.0),
                ("Own", "setUpTestData", 8.0),
                ("Own", "setUpClass", 10.0),
                ("Own", "tearDownClass", 1.0),
            ],
        )
        self.assertEqual(result.testsRun, 3)
        self.assertTrue(result.wasSuccessful(), result.errors)

    def test_classes_are_left_as_they_were(self):
        own = vars(Sample.Own)["setUpTestData"]
        self.run_suite(Sample.Inheriting("test_one"), Sample.Own("test_one"))
        # Only what setUpTestData itself set changed while it ran.
        self.assertEqual(Sample.Inheriting.changed, [])
        self.assertEqual(Sample.Own.changed, ["rows"])
        self.assertNotIn("setUpTestData", vars(Sample.Inheriting))
        self.assertIs(vars(Sample.Own)["setUpTestData"], own)

    def test_a_failing_set_up_is_timed_and_reported(self):
        result = self.run_suite(Sample.Failing("test_never_runs"))
        self.assertEqual(result.fixtures[0], ("Failing", "setUpClass", 4.0))
        self.assertEqual(len(result.errors), 1)
        self.assertEqual(result.testsRun, 0)

    def test_a_result_that_does_not_ask_gets_unittest_suite(self):
        result = unittest.TestResult()
        with mock.patch.object(class_timing, "clock", CLOCK):
            TimedSuite([Sample.Own("test_one")]).run(result)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(result.testsRun, 1)


class ClassTableTests(unittest.TestCase):
    def test_parts_add_up_to_the_total(self):
        times = ClassTimes("app.tests.T", 1.5, 10.0, 8.0, 0.25)
        self.assertEqual(times.total, 11.75)
        self.assertEqual(
            times.line(),
            "11.750s app.tests.T (tests 1.500s, setUpClass 2.000s, "
            "setUpTestData 8.000s, tearDownClass 0.250s)",
        )

    def test_no_set_up_test_data_part_without_one(self):
        times = ClassTimes("app.tests.T", 1.0, 0.5, None, 0.0)
        self.assertEqual(
            times.line(),
            "1.500s app.tests.T (tests 1.000s, setUpClass 0.500s, "
            "tearDownClass 0.000s)",
        )

    def test_only_the_tests_when_fixtures_were_not_timed(self):
        times = ClassTimes("app.tests.T", 1.0)
        self.assertEqual(times.line(), "1.000s app.tests.T (tests 1.000s)")

    def test_slowest_first_and_at_most_n(self):
        times = class_times(
            {"a.A": 1.0, "a.B": 3.0, "a.C": 2.0},
            {"a.C": {"setUpClass": 5.0}, "a.D": {"setUpClass": 0.5}},
        )
        self.assertEqual(
            [t.name for t in class_timing.slowest_classes(times, 2)], ["a.C", "a.B"]
        )
        self.assertEqual(
            [t.name for t in class_timing.slowest_classes(times, 0)],
            ["a.C", "a.B", "a.A", "a.D"],
        )

    def test_result_table(self):
        stream = unittest.runner._WritelnDecorator(io.StringIO())
        result = TestResult(stream, True, 2)
        result.durations = 1
        result.class_durations = {"a.A": 1.0, "a.B": 0.5}
        result.addFixtureDuration(Sample.Own, "setUpClass", 2.0)
        result.addFixtureDuration(Sample.Own, "setUpClass", 1.0)  # a class run twice
        result.addFixtureDuration(Sample.Own, "setUpTestData", 2.5)
        result.print_class_durations()
        name = f"{Sample.Own.__module__}.Sample.Own"
        self.assertEqual(
            stream.getvalue().splitlines()[2],
            f"3.000s {name} (tests 0.000s, setUpClass 0.500s, setUpTestData 2.500s)",
        )
        self.assertEqual(len(stream.getvalue().splitlines()), 4)
