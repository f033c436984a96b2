"""The closing summary line and the exit status."""

from support import ProjectTestCase, backend_variants


class SummaryTests(ProjectTestCase):
    def test_every_outcome_is_counted(self):
        run = self.run_tests("outcomes")
        self.assertExit(run, 1)
        self.assertCounts(
            run,
            passed=3,
            failed=2,
            errors=2,
            skipped=1,
            expected_failures=1,
            unexpected_successes=1,
        )
        self.assertNothingLeft()

    def test_clean_run_exits_zero(self):
        run = self.run_tests("shop", "ordering_app")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=27)
        self.assertNothingLeft()

    def test_summary_is_the_last_result_line(self):
        run = self.run_tests("shop.tests.test_simple")
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        self.assertRegex(lines[-1], r"^2 passed, 0 failed, .* in \d+\.\d\ds$")


globals().update(backend_variants(SummaryTests))
