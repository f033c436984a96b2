"""A parallel run's failures run again, each alone in a new worker
(``parallel/rerun.py``), on the flaky project: its test_b fails only after
test_a ran in the same process, test_z fails wherever it runs."""

from __future__ import annotations

import re
import unittest
import unittest.mock

from support import SUMMARY
from test_parallel import START_METHODS, ParallelTestCase

from django_parallel.parallel.rerun import (
    PinnedSchedule,
    Retried,
    report_lines,
)
from django_parallel.parallel.worker import Task

B = "polluted.tests.PollutedTests.test_b_needs_a_clean_process"
Z = "polluted.tests.BrokenTests.test_z_always_fails"
TRIED = "Failures run again, each alone in a new worker:"
CAPPED = "failures are run again alone only when at most"


def after_summary(run) -> str:
    """What the run printed after its closing line."""
    return run.stderr[list(SUMMARY.finditer(run.stderr))[-1].end() :]


class RerunFailuresTests(ParallelTestCase):
    project = "flaky"

    def test_order_dependent_failure_is_named_under_every_start_method(self):
        for method in START_METHODS:
            with self.subTest(start_method=method):
                run = self.run_parallel("polluted", start_method=method)
                # Nothing hidden: the run still fails with both failures.
                self.assertExit(run, 1)
                self.assertCounts(run, passed=4, failed=2)
                report = after_summary(run)
                self.assertIn(f"{TRIED} 1 of 2 failed again.", report, run.describe())
                # What the failures did alone (the replay hints come before).
                report = report[report.index(TRIED) :]
                # The worker the run's report named for test_b.
                worker = re.search(
                    r"^FAIL: test_b_needs_a_clean_process .*\[worker (\d)\]$",
                    run.stderr,
                    re.MULTILINE,
                )
                self.assertIsNotNone(worker, run.describe())
                worker = worker[1]
                self.assertIn(f"  {B} (worker {worker}): passed alone\n", report)
                python = r"\S*python\S*"
                self.assertRegex(
                    report,
                    f"    replay: {python} manage.py test --replay-worker {worker}\n",
                )
                self.assertRegex(
                    report, f"    bisect: {python} manage.py test --bisect {B}\n"
                )
                # test_z failed alone too: it is no order dependence.
                self.assertNotIn(Z, report, run.describe())
                self.assertNotIn("Traceback", report)
        self.assertNothingLeft()

    def test_cap_setting_and_flags(self):
        capped = self.run_parallel(
            "polluted", "--rerun-failures", "1", start_method="fork"
        )
        self.assertCounts(capped, passed=4, failed=2)
        self.assertIn(
            f"2 tests failed; {CAPPED} 1 fail (--rerun-failures N to raise it).",
            after_summary(capped),
        )
        self.assertNotIn(TRIED, capped.stderr)

        off = {"DP_DJANGO_PARALLEL": "{'rerun_failures': False}"}
        for run in (
            self.run_parallel("polluted", start_method="fork", env=off),
            self.run_parallel("polluted", "--no-rerun-failures", start_method="fork"),
            # Serial runs have no workers to try failures in.
            self.run_tests("polluted", "--parallel", "1"),
        ):
            self.assertExit(run, 1)
            self.assertCounts(run, passed=4, failed=2)
            self.assertNotIn(TRIED, run.stderr, run.describe())
            self.assertNotIn(CAPPED, run.stderr, run.describe())
            self.assertNotIn("again, each alone", run.stderr, run.describe())

        # The flag wins over the setting; bare, it means the default cap (3).
        # Three tries on two database copies: two batches.
        run = self.run_parallel(
            "polluted",
            "ends.tests.CrashTests",
            "--rerun-failures",
            start_method="fork",
            env={"DP_DJANGO_PARALLEL": "{'rerun_failures': 1}", "DP_FLAKY_CRASH": "1"},
        )
        self.assertCounts(run, passed=4, failed=2, errors=1)
        self.assertIn(
            f"{TRIED} 2 of 3 failed again.", after_summary(run), run.describe()
        )
        self.assertIn(f"  {B} (worker ", after_summary(run))
        self.assertNothingLeft()

    def test_a_crash_is_tried_again_and_a_time_out_is_not(self):
        run = self.run_parallel(
            "ends",
            "--timeout",
            "2",
            start_method="fork",
            env={"DP_FLAKY_CRASH": "1", "DP_FLAKY_HANG": "1", "DP_FLAKY_PARTNER": "1"},
        )
        self.assertExit(run, 1)
        self.assertCounts(run, passed=1, failed=1, errors=2)
        report = after_summary(run)
        # The crash crashes alone too; test_b, alone, waits until --timeout
        # ends it: that is no pass either.
        self.assertIn(f"{TRIED} 2 of 2 failed again.", report, run.describe())
        self.assertIn(
            "Not run again (1): timed out in the run, and would take as long again.",
            report,
        )
        self.assertNothingLeft()

    def test_bad_values_are_one_line_errors(self):
        run = self.run_tests(
            "polluted", env={"DP_DJANGO_PARALLEL": "{'rerun_failures': 'yes'}"}
        )
        self.assertOneLineError(run, "settings.DJANGO_PARALLEL['rerun_failures']")
        run = self.run_tests("polluted", "--rerun-failures", "some")
        self.assertOneLineError(run, "expects the most failures to run again")
        self.assertNothingLeft()


class ReportTests(unittest.TestCase):
    def test_lines_for_failures_that_did_not_happen_again(self):
        lines = report_lines(
            [
                Retried("app.tests.A.test_x", 2, "passed"),
                Retried("app.tests.A.test_y", 1, "failed"),
                Retried("app.tests.B.test_z", None, "skipped"),
            ]
        )
        self.assertEqual(lines[0], f"{TRIED} 1 of 3 failed again.")
        text = "\n".join(lines)
        self.assertIn("Not reproduced alone (2)", text)
        self.assertIn("app.tests.A.test_x (worker 2): passed alone", text)
        self.assertIn("--replay-worker 2", text)
        self.assertNotIn("test_y", text)
        # No worker known: no replay command, still the bisect one.
        self.assertIn("app.tests.B.test_z: skipped alone", text)
        self.assertEqual(text.count("replay:"), 1)
        self.assertEqual(text.count("bisect:"), 2)

    def test_everything_failed_again(self):
        lines = report_lines([Retried("a.b.C.test", 1, "error")])
        self.assertEqual(lines, [f"{TRIED} 1 of 1 failed again."])
        self.assertEqual(report_lines([]), [])

    def test_pinned_schedule_gives_each_slot_its_task_once(self):
        schedule = PinnedSchedule({1: Task(0, b""), 2: Task(1, b"")})
        self.assertEqual(schedule.next_for(2).id, 1)
        self.assertIsNone(schedule.next_for(2))
        # What a worker that died in a fixture left goes to its replacement.
        schedule.put_back(2, Task(5, b""), 1)
        self.assertEqual(schedule.next_for(2).id, 5)
        schedule.clear()
        self.assertIsNone(schedule.next_for(1))
