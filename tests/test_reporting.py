"""What a run reports: the closing summary line (its counts, its place and
stream), the failure reports, and the exit status each outcome leads to."""

import re

from support import OUTCOMES_TOTALS, ProjectTestCase, backend_variants

SUMMARY_LINE = re.compile(
    r"^\d+ passed, \d+ failed, \d+ errors, \d+ skipped, \d+ expected failures, "
    r"\d+ unexpected successes in \d+\.\d\ds$"
)
TEARDOWN_LINE = re.compile(r"^Destroying test database for alias '\w+'")


class SummaryLineTests(ProjectTestCase):
    def test_counts_every_outcome_exactly(self):
        run = self.run_tests("outcomes")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertEqual(
            [line for line in run.stderr.splitlines() if SUMMARY_LINE.match(line)],
            [
                "3 passed, 2 failed, 2 errors, 1 skipped, 1 expected failures, "
                f"1 unexpected successes in {self.seconds(run)}s"
            ],
        )
        self.assertNothingLeft()

    def seconds(self, run) -> str:
        return re.search(r" in (\d+\.\d\d)s$", run.stderr, re.M).group(1)

    def test_summary_follows_unittest_result_and_only_teardown_comes_after(self):
        run = self.run_tests("outcomes")
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        at = next(i for i, line in enumerate(lines) if SUMMARY_LINE.match(line))
        self.assertEqual(
            lines[at - 1],
            "FAILED (failures=2, errors=2, skipped=1, expected failures=1, "
            "unexpected successes=1)",
            run.describe(),
        )
        after = lines[at + 1 :]
        # The failing test uses the default database, which is torn down last.
        self.assertTrue(after, run.describe())
        for line in after:
            self.assertRegex(line, TEARDOWN_LINE, run.describe())
        self.assertNothingLeft()

    def test_summary_goes_to_stderr_only(self):
        run = self.run_tests("outcomes.tests.FailingTests")
        self.assertCounts(run, failed=1)
        self.assertNotRegex(run.stdout, r"\d+ passed, \d+ failed")
        self.assertNothingLeft()

    def test_summary_is_printed_at_verbosity_0(self):
        run = self.run_tests("outcomes", "-v", "0")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNothingLeft()

    def test_summary_counts_do_not_depend_on_verbosity(self):
        run = self.run_tests("outcomes", "-v", "2")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNothingLeft()

    def test_shuffled_run_names_its_seed_in_the_summary(self):
        run = self.run_tests("outcomes", "--shuffle", "1234")
        self.assertCounts(run, **OUTCOMES_TOTALS, seed=1234)
        self.assertRegex(
            run.stderr,
            r"(?m) unexpected successes in \d+\.\d\ds \(shuffle seed 1234\)$",
        )
        self.assertNothingLeft()

    def test_failure_reports_name_each_failure_and_error(self):
        # Python 3.10 has no report block for unexpected successes.
        run = self.run_tests("outcomes")
        headers = sorted(
            re.findall(
                r"^(FAIL|ERROR): (\w+) \(outcomes\.tests\.(\w+)",
                run.stderr,
                re.M,
            )
        )
        self.assertEqual(
            headers,
            [
                ("ERROR", "setUpClass", "BrokenSetUpClassTests"),
                ("ERROR", "test_error", "ErrorTests"),
                ("FAIL", "test_fail", "FailingTests"),
                ("FAIL", "test_subtests", "SubTestTests"),
            ],
            run.describe(),
        )
        self.assertIn("AssertionError: this test fails on purpose", run.stderr)
        self.assertIn("ValueError: this test errors on purpose", run.stderr)
        self.assertIn("RuntimeError: setUpClass fails on purpose", run.stderr)
        self.assertNothingLeft()


class ExitStatusTests(ProjectTestCase):
    """Exit 1 on any failure, error or unexpected success, 0 otherwise.

    SQLite only: apart from the failure (covered by SummaryLineTests on every
    backend), these outcomes come from tests without a database.
    """

    def assertOutcome(self, labels, code, **counts) -> None:
        run = self.run_tests(*labels)
        self.assertExit(run, code)
        self.assertCounts(run, **counts)
        self.assertNothingLeft()

    def test_a_failure_exits_1(self):
        self.assertOutcome(["outcomes.tests.FailingTests"], 1, failed=1)

    def test_an_error_exits_1(self):
        self.assertOutcome(["outcomes.tests.ErrorTests"], 1, errors=1)

    def test_a_setupclass_error_exits_1(self):
        self.assertOutcome(["outcomes.tests.BrokenSetUpClassTests"], 1, errors=1)

    def test_a_failing_subtest_exits_1(self):
        self.assertOutcome(["outcomes.tests.SubTestTests"], 1, failed=1)

    def test_an_unexpected_success_exits_1(self):
        self.assertOutcome(
            ["outcomes.tests.ExpectedFailureTests.test_unexpected_success"],
            1,
            unexpected_successes=1,
        )

    def test_only_skips_and_expected_failures_exit_0(self):
        self.assertOutcome(
            [
                "outcomes.tests.SkipTests",
                "outcomes.tests.ExpectedFailureTests.test_expected_failure",
            ],
            0,
            skipped=1,
            expected_failures=1,
        )

    def test_only_passes_exit_0(self):
        self.assertOutcome(["outcomes.tests.PassingTests"], 0, passed=3)


globals().update(backend_variants(SummaryLineTests))
