"""--last-failed and --failed-first, and the record they read
(``.django_parallel/lastfailed.json``), on the flaky project: test_b fails
after test_a ran in its process, test_z fails wherever it runs."""

from __future__ import annotations

import json
import re
import unittest

from django.test import SimpleTestCase, TestCase, TransactionTestCase
from test_parallel import ParallelTestCase

from django_parallel.failed_tests import failed_ids, fixture_target
from django_parallel.lastfailed import (
    failed_classes,
    failed_first,
    select_failed,
    updated_record,
)
from django_parallel.parallel.scheduling import Planned, Schedule, simulate
from django_parallel.parallel.worker import Task

B = "polluted.tests.PollutedTests.test_b_needs_a_clean_process"
Z = "polluted.tests.BrokenTests.test_z_always_fails"
FIXTURE = "stopper.tests.FixtureTests"
# A serial run at -v 2: "test_name (module.Class.test_name) ... ok" (before
# Python 3.11 "test_name (module.Class) ... ok").
RESULT_LINE = re.compile(r"^(?P<name>test_\w+) \([\w.]+\) \.\.\. ", re.MULTILINE)


class LastFailedTests(ParallelTestCase):
    project = "flaky"

    def record(self) -> list[str]:
        path = self.project_dir / ".django_parallel" / "lastfailed.json"
        return json.loads(path.read_text())["failed"]

    def order(self, run) -> list[str]:
        """Test methods in the order a serial -v 2 run reported them."""
        return [m["name"] for m in RESULT_LINE.finditer(run.stderr)]

    def test_last_failed_runs_the_failed_set_and_stopped_runs_keep_it(self):
        full = self.run_parallel(
            "polluted", "stopper", "--no-rerun-failures", start_method="fork"
        )
        self.assertCounts(full, passed=6, failed=2)
        self.assertEqual(self.record(), sorted([B, Z]))

        # --failfast stops at test_b: test_z did not run, and stays.
        stopped = self.run_tests("polluted", "stopper", "--failfast")
        self.assertCounts(stopped, passed=1, failed=1)
        self.assertEqual(self.record(), sorted([B, Z]))

        # Ctrl-C after test_b failed again: test_z stays.
        interrupted = self.run_tests(
            "polluted.tests.PollutedTests",
            "stopper",
            env={"DP_FLAKY_INTERRUPT": "1"},
        )
        self.assertExit(interrupted, 130)
        self.assertCounts(interrupted, passed=3, failed=1)
        self.assertEqual(self.record(), sorted([B, Z]))

        # Exactly the failed set; test_b passes without test_a before it.
        again = self.run_parallel(
            "polluted",
            "stopper",
            "--last-failed",
            "--no-rerun-failures",
            start_method="fork",
        )
        self.assertIn(
            "Running the 2 test(s) that failed in the last run, of 8 (--last-failed).",
            again.stdout,
        )
        self.assertCounts(again, passed=1, failed=1)
        self.assertIn("Ran 2 tests", again.stderr)
        self.assertEqual(self.record(), [Z])

        # Nothing of these failed: all of them run, and it says so.
        none = self.run_tests("polluted.tests.AlphaTests", "--lf")
        self.assertIn(
            "No test of these failed in the last run: running all 2 (--last-failed).",
            none.stdout,
        )
        self.assertCounts(none, passed=2)
        self.assertEqual(self.record(), [Z])

        # A class fixture's error records the class; its tests run again.
        broken = self.run_tests("stopper", env={"DP_FLAKY_FIXTURE": "1"})
        self.assertCounts(broken, passed=1, errors=1)
        self.assertEqual(self.record(), sorted([Z, FIXTURE]))
        fixed = self.run_tests("stopper", "--last-failed")
        self.assertIn("Ran 1 test", fixed.stderr)
        self.assertCounts(fixed, passed=1)
        self.assertEqual(self.record(), [Z])
        self.assertNothingLeft()

    def test_failed_first_keeps_bins_and_classes_together(self):
        plain = self.run_tests("polluted", "-v", "2")
        self.assertEqual(
            self.order(plain),
            ["test_a_pollutes", "test_b_needs_a_clean_process", "test_one"]
            + ["test_two", "test_a_passes", "test_z_always_fails"],
            plain.describe(),
        )
        self.assertEqual(self.record(), sorted([B, Z]))
        # The TestCase class still runs before the SimpleTestCase ones; in
        # each bin the classes with a failure lead, their failures first.
        first = self.run_tests("polluted", "-v", "2", "--failed-first")
        self.assertEqual(
            self.order(first),
            ["test_b_needs_a_clean_process", "test_a_pollutes"]
            + ["test_z_always_fails", "test_a_passes", "test_one", "test_two"],
            first.describe(),
        )
        # test_b ran first, so it passed: only test_z is left.
        self.assertEqual(self.record(), [Z])
        by_setting = self.run_tests(
            "polluted", "-v", "2", env={"DP_DJANGO_PARALLEL": "{'failed_first': True}"}
        )
        self.assertEqual(
            self.order(by_setting),
            ["test_a_pollutes", "test_b_needs_a_clean_process"]
            + ["test_z_always_fails", "test_a_passes", "test_one", "test_two"],
            by_setting.describe(),
        )
        self.assertNothingLeft()


class Samples:
    """Test classes to order (nested, so that they are not run)."""

    class Polluted(TestCase):
        def test_a(self):
            pass

        def test_b(self):
            pass

    class Flushing(TransactionTestCase):
        def test_t(self):
            pass

    class Plain(SimpleTestCase):
        def test_p(self):
            pass

    class Other(SimpleTestCase):
        def test_o(self):
            pass

        def test_q(self):
            pass


def ids(tests) -> list[str]:
    return [f"{type(t).__name__}.{t._testMethodName}" for t in tests]


def key(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class RecordTests(unittest.TestCase):
    def test_a_complete_run_drops_what_it_ran(self):
        record = updated_record(
            ["a.T.test_1", "a.T.test_2", "b.U", "gone.V.test"],
            failed=["a.T.test_2", "c.W.test"],
            ran=["a.T.test_1", "a.T.test_2", "b.U.test_x", "c.W.test"],
            complete=True,
        )
        # A class entry goes when one of its tests ran and nothing of it
        # failed; ids the run did not touch stay.
        self.assertEqual(record, ["a.T.test_2", "c.W.test", "gone.V.test"])

    def test_a_stopped_run_only_adds(self):
        record = updated_record(
            ["a.T.test_1"], failed=["a.T.test_3"], ran=["a.T.test_1"], complete=False
        )
        self.assertEqual(record, ["a.T.test_1", "a.T.test_3"])

    def test_fixture_errors_name_their_class_or_module(self):
        self.assertEqual(fixture_target("setUpClass (app.tests.T)"), "app.tests.T")
        self.assertEqual(fixture_target("tearDownModule (app.tests)"), "app.tests")
        self.assertEqual(
            fixture_target("app.tests.T (its remaining tests did not run)"),
            "app.tests.T",
        )
        self.assertIsNone(fixture_target("loading the tests"))

    def test_failed_ids_of_a_result(self):
        result = unittest.TestResult()
        test = Samples.Other("test_o")
        result.addFailure(test, (AssertionError, AssertionError("x"), None))
        result.addError(
            unittest.suite._ErrorHolder(f"setUpClass ({key(Samples.Plain)})"),
            (RuntimeError, RuntimeError("x"), None),
        )
        result.addUnexpectedSuccess(Samples.Polluted("test_a"))
        failed_import = unittest.loader._make_failed_import_test(
            "app.tests_broken", unittest.TestSuite
        )[0]
        result.addError(next(iter(failed_import)), (ImportError, ImportError(), None))
        self.assertEqual(
            failed_ids(result),
            [
                test.id(),
                key(Samples.Plain),
                # Once it imports, the module's tests are the ones to run.
                "app.tests_broken",
                Samples.Polluted("test_a").id(),
            ],
        )

    def test_selection_keeps_import_failures(self):
        failed_import = unittest.loader._make_failed_import_test(
            "broken", unittest.TestSuite
        )[0]
        broken = next(iter(failed_import))
        tests = [
            Samples.Polluted("test_a"),
            Samples.Polluted("test_b"),
            broken,
            Samples.Plain("test_p"),
        ]
        chosen = select_failed(
            tests, [Samples.Polluted("test_b").id(), key(Samples.Plain)]
        )
        self.assertEqual(chosen, [tests[1], broken, tests[3]])

    def test_failed_first_within_bins(self):
        tests = [
            Samples.Polluted("test_a"),
            Samples.Polluted("test_b"),
            Samples.Flushing("test_t"),
            Samples.Plain("test_p"),
            Samples.Other("test_o"),
            Samples.Other("test_q"),
        ]
        record = [Samples.Other("test_q").id(), Samples.Flushing("test_t").id()]
        bins = (unittest.loader._FailedTest, TestCase, TransactionTestCase)
        self.assertEqual(
            ids(failed_first(tests, record, bins)),
            ["Polluted.test_a", "Polluted.test_b", "Flushing.test_t"]
            + ["Other.test_q", "Other.test_o", "Plain.test_p"],
        )
        self.assertEqual(
            failed_classes(tests, record), {key(Samples.Other), key(Samples.Flushing)}
        )

    def test_preferred_tasks_are_handed_out_first(self):
        planned = [
            Planned(Task(0, b""), 0, 10.0),
            Planned(Task(1, b""), 0, 1.0),
            Planned(Task(2, b""), 0, 0.01),
            Planned(Task(3, b""), 1, 5.0),
        ]
        schedule = Schedule(planned, [1])
        schedule.prefer({1, 3})
        _, starts = simulate(schedule, [10.0, 1.0, 0.01, 5.0])
        order = sorted(starts, key=lambda task: starts[task][1])
        # Task 1 first (no quick opener before it); task 3's later bin
        # still waits for its bin's turn.
        self.assertEqual(order, [1, 0, 2, 3])
