"""settings.DJANGO_PARALLEL: project defaults for the runner's flags, the
command-line flags that override them, and the one-line errors for a bad
setting. Every test runs twice: with Django's own ``test`` command and
TEST_RUNNER ("runner" mode) and with django_parallel's command ("app" mode).

SQLite only: what each flag does to a database run is covered, on every
backend, by test_flags; here only where its value comes from matters.
"""

import json
import re

from support import OUTCOMES_TOTALS, ProjectTestCase

VALID_KEYS = (
    "parallel",
    "shuffle",
    "buffer",
    "failfast",
    "keepdb",
    "reverse",
    "timing",
    "debug_sql",
    "durations",
)
ORDERING_APP_ORDER = [
    f"ordering_app.tests.{cls}.{test}"
    for cls in ("DatabaseD", "DatabaseF", "SimpleB", "TransactionC", "PlainA", "PlainE")
    for test in ("test_one", "test_two")
]
# --reverse reverses each group (TestCase, SimpleTestCase, the rest) in place.
ORDERING_APP_REVERSED = (
    ORDERING_APP_ORDER[3::-1] + ORDERING_APP_ORDER[7:3:-1] + ORDERING_APP_ORDER[:7:-1]
)
NEEDLE_QUERY = r"SELECT COUNT\(\*\) .*FROM \W?shop_item\W? WHERE .*'needle'"


class ProjectDefaultsTests(ProjectTestCase):
    mode = "runner"

    def run_with(self, setting, *args: str, **kwargs):
        """Run with settings.DJANGO_PARALLEL = ``setting``."""
        env = {"DP_SETTINGS_JSON": json.dumps({"DJANGO_PARALLEL": setting})}
        return self.run_tests(*args, mode=self.mode, env=env, **kwargs)

    # shuffle

    def test_shuffle_true_shuffles_with_a_generated_seed(self):
        run = self.run_with({"shuffle": True}, "shop.tests.test_simple")
        self.assertExit(run, 0)
        self.assertIn("seed", run.summary, run.describe())
        self.assertRegex(run.stdout, r"(?m)^Using shuffle seed: -?\d+ \(generated\)$")
        self.assertNothingLeft()

    def test_shuffle_seed_from_settings(self):
        run = self.run_with({"shuffle": 42}, "shop.tests.test_simple")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2, seed=42)
        self.assertIn("Using shuffle seed: 42 (given)", run.stdout, run.describe())
        self.assertNothingLeft()

    def test_shuffle_flag_overrides_the_settings_seed(self):
        run = self.run_with({"shuffle": 42}, "shop.tests.test_simple", "--shuffle", "7")
        self.assertCounts(run, passed=2, seed=7)
        self.assertNothingLeft()

    def test_no_shuffle_overrides_settings(self):
        run = self.run_with({"shuffle": True}, "shop.tests.test_simple", "--no-shuffle")
        self.assertExit(run, 0)
        self.assertNotIn("seed", run.summary, run.describe())
        self.assertNotIn("shuffle seed", run.output)
        self.assertNothingLeft()

    # buffer

    def test_buffer_from_settings(self):
        run = self.run_with({"buffer": True}, "outcomes.tests.PassingTests")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=3)
        self.assertNotIn("stdout from a passing test", run.output)
        self.assertNothingLeft()

    def test_no_buffer_overrides_settings(self):
        run = self.run_with(
            {"buffer": True}, "outcomes.tests.PassingTests", "--no-buffer"
        )
        self.assertCounts(run, passed=3)
        self.assertIn("stdout from a passing test", run.stdout, run.describe())
        self.assertNothingLeft()

    # failfast

    def test_failfast_from_settings(self):
        run = self.run_with({"failfast": True}, "outcomes")
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        self.assertNothingLeft()

    def test_no_failfast_overrides_settings(self):
        run = self.run_with({"failfast": True}, "outcomes", "--no-failfast")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNothingLeft()

    # reverse

    def order(self, run) -> list[str]:
        return re.findall(r"(?m)^RUN (\S+)$", run.stdout)

    def test_reverse_from_settings(self):
        run = self.run_with({"reverse": True}, "ordering_app")
        self.assertExit(run, 0)
        self.assertEqual(self.order(run), ORDERING_APP_REVERSED, run.describe())
        self.assertNothingLeft()

    def test_no_reverse_overrides_settings(self):
        run = self.run_with({"reverse": True}, "ordering_app", "--no-reverse")
        self.assertExit(run, 0)
        self.assertEqual(self.order(run), ORDERING_APP_ORDER, run.describe())
        self.assertNothingLeft()

    # timing

    def test_timing_from_settings(self):
        run = self.run_with({"timing": True}, "outcomes.tests.FailingTests")
        self.assertCounts(run, failed=1)
        self.assertRegex(run.output, r"(?m)^Total database setup took \d+\.\d{3}s$")
        self.assertRegex(run.output, r"(?m)^Total database teardown took \d+\.\d{3}s$")
        self.assertNothingLeft()

    def test_timing_from_settings_times_the_whole_run(self):
        # As --timing does. Django's own command decides this from the
        # command-line option alone, so the runner has to cover this case.
        run = self.run_with({"timing": True}, "outcomes.tests.FailingTests")
        self.assertRegex(
            run.output, r"(?m)^Total run took \d+\.\d{3}s$", run.describe()
        )
        self.assertNothingLeft()

    def test_no_timing_overrides_settings(self):
        run = self.run_with(
            {"timing": True}, "outcomes.tests.FailingTests", "--no-timing"
        )
        self.assertCounts(run, failed=1)
        self.assertNotIn(" took ", run.output, run.describe())
        self.assertNothingLeft()

    # durations

    def durations_rows(self, run) -> list[str]:
        match = re.search(
            r"^Slowest test durations\n-{70}\n(.*?)\n\n", run.stderr, re.M | re.S
        )
        self.assertIsNotNone(match, run.describe())
        return match.group(1).splitlines()

    def test_durations_from_settings(self):
        run = self.run_with({"durations": 1}, "outcomes", "-v", "2")
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertEqual(len(self.durations_rows(run)), 1, run.describe())
        self.assertNothingLeft()

    def test_durations_flag_overrides_the_settings_count(self):
        run = self.run_with({"durations": 1}, "outcomes", "-v", "2", "--durations", "3")
        self.assertEqual(len(self.durations_rows(run)), 3, run.describe())
        self.assertNothingLeft()

    def test_no_durations_overrides_settings(self):
        run = self.run_with({"durations": 1}, "outcomes", "-v", "2", "--no-durations")
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNotIn("Slowest test durations", run.output)
        self.assertNothingLeft()

    # debug_sql

    def test_debug_sql_from_settings(self):
        run = self.run_with({"debug_sql": True}, "outcomes.tests.FailingTests")
        self.assertCounts(run, failed=1)
        self.assertRegex(run.stderr, NEEDLE_QUERY)
        self.assertNothingLeft()

    def test_no_debug_sql_overrides_settings(self):
        run = self.run_with(
            {"debug_sql": True}, "outcomes.tests.FailingTests", "--no-debug-sql"
        )
        self.assertCounts(run, failed=1)
        self.assertNotIn("needle", run.output, run.describe())
        self.assertNothingLeft()

    # parallel: runs serially for now, so its effect shows in the refusal of
    # --pdb with more than one process.

    def test_parallel_from_settings(self):
        run = self.run_with({"parallel": 2}, "outcomes", "--pdb")
        self.assertOneLineError(run, "--pdb")
        self.assertNothingLeft()

    def test_parallel_auto_from_settings_runs(self):
        run = self.run_with({"parallel": "auto"}, "shop")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=15)
        self.assertNothingLeft()

    def test_no_parallel_overrides_settings(self):
        run = self.run_with(
            {"parallel": 2},
            "outcomes.tests.FailingTests",
            "--pdb",
            "--no-parallel",
            input="c\n" * 5,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        self.assertIn("(Pdb)", run.output, run.describe())
        self.assertNothingLeft()

    def test_parallel_flag_overrides_settings(self):
        run = self.run_with(
            {"parallel": 2},
            "outcomes.tests.FailingTests",
            "--pdb",
            "--parallel",
            "1",
            input="c\n" * 5,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        self.assertNothingLeft()

    # Bad settings.

    def test_unknown_key_is_one_line_error_listing_the_valid_keys(self):
        run = self.run_with({"shuffel": True}, "shop.tests.test_simple")
        self.assertOneLineError(run, "'shuffel'")
        line = run.stderr.strip().splitlines()[-1]
        for key in VALID_KEYS:
            self.assertIn(key, line)
        self.assertNothingLeft()

    def test_wrong_type_is_one_line_error(self):
        run = self.run_with({"buffer": "yes"}, "shop.tests.test_simple")
        self.assertOneLineError(run, "'buffer'")
        self.assertIn("'yes'", run.stderr)
        self.assertNothingLeft()

    def test_negative_durations_is_one_line_error(self):
        run = self.run_with({"durations": -1}, "shop.tests.test_simple")
        self.assertOneLineError(run, "'durations'")
        self.assertNothingLeft()

    def test_bad_parallel_is_one_line_error(self):
        run = self.run_with({"parallel": "many"}, "shop.tests.test_simple")
        self.assertOneLineError(run, "settings.DJANGO_PARALLEL['parallel']")
        self.assertIn("'many'", run.stderr)
        self.assertNothingLeft()

    def test_setting_that_is_not_a_dict_is_one_line_error(self):
        run = self.run_with("auto", "shop.tests.test_simple")
        self.assertOneLineError(run, "settings.DJANGO_PARALLEL must be a dict")
        self.assertNothingLeft()


class AppModeProjectDefaultsTests(ProjectDefaultsTests):
    mode = "app"
