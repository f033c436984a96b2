"""The ``manage.py test`` flags that change how a run behaves or what it
shows: --failfast, -b, --timing, --durations, --debug-sql, --debug-mode,
--pdb, -v and the spellings of --parallel."""

import json
import re

from support import OUTCOMES_TOTALS, ProjectTestCase, backend_variants

# Every test method of the outcomes app that gets to run (the one of the class
# whose setUpClass fails does not).
OUTCOMES_RUN = {
    "test_pass",
    "test_prints",
    "test_logs",
    "test_fail",
    "test_error",
    "test_expected_failure",
    "test_unexpected_success",
    "test_subtests",
}


def settings_json(**defaults) -> dict:
    return {"DP_SETTINGS_JSON": json.dumps({"DJANGO_PARALLEL": defaults})}


def report_of(run, test_name: str) -> str:
    """The failure report block of one test, from its header to the next."""
    match = re.search(
        rf"^(?:FAIL|ERROR): {test_name} .*?(?=^={{70}}$|^-{{70}}\nRan )",
        run.stderr,
        re.MULTILINE | re.DOTALL,
    )
    if match is None:
        raise AssertionError(f"no failure report for {test_name}\n{run.describe()}")
    return match.group(0)


class FailfastTests(ProjectTestCase):
    def test_failfast_stops_after_the_first_failure(self):
        # FailingTests is the app's only TestCase, so it runs first.
        run = self.run_tests("outcomes", "--failfast")
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        self.assertNotIn("this test errors on purpose", run.output)
        self.assertNothingLeft()

    def test_without_failfast_every_test_runs(self):
        run = self.run_tests("outcomes")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNothingLeft()

    def test_no_failfast_overrides_the_settings_default(self):
        env = settings_json(failfast=True)
        run = self.run_tests("outcomes", "--no-failfast", env=env)
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNothingLeft()


class BufferTests(ProjectTestCase):
    def test_buffer_hides_the_output_of_passing_tests(self):
        run = self.run_tests("outcomes", "-b")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNotIn("stdout from a passing test", run.output)
        self.assertNothingLeft()

    def test_buffer_shows_the_output_of_a_failing_test_in_its_report(self):
        run = self.run_tests("outcomes", "--buffer")
        self.assertIn(
            "Stdout:\nstdout from a failing test",
            report_of(run, "test_fail"),
            run.describe(),
        )
        self.assertNothingLeft()

    def test_without_buffer_output_is_shown_as_it_happens(self):
        run = self.run_tests("outcomes")
        self.assertIn("stdout from a passing test", run.stdout, run.describe())
        self.assertIn("stdout from a failing test", run.stdout, run.describe())
        self.assertNotIn("Stdout:", report_of(run, "test_fail"))
        self.assertNothingLeft()


class TimingTests(ProjectTestCase):
    def test_timing_prints_setup_teardown_and_run_times(self):
        run = self.run_tests("outcomes.tests.FailingTests", "--timing")
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        for phase in ("Total database setup", "Total database teardown", "Total run"):
            self.assertRegex(
                run.output, rf"(?m)^{phase} took \d+\.\d{{3}}s$", run.describe()
            )
        self.assertNothingLeft()

    def test_no_times_without_timing(self):
        run = self.run_tests("outcomes.tests.FailingTests")
        self.assertCounts(run, failed=1)
        self.assertNotIn(" took ", run.output, run.describe())
        self.assertNothingLeft()


class DurationsTests(ProjectTestCase):
    def durations_table(self, run) -> list[tuple[float, str]]:
        """(seconds, test method) for each row of the table."""
        match = re.search(
            r"^Slowest test durations\n-{70}\n(.*?)\n\n", run.stderr, re.M | re.S
        )
        self.assertIsNotNone(match, run.describe())
        rows = []
        for line in match.group(1).splitlines():
            row = re.fullmatch(r"(\d+\.\d{3})s (\w+) \(outcomes\.tests\.\w+.*\)", line)
            self.assertIsNotNone(row, f"bad row {line!r}\n{run.describe()}")
            rows.append((float(row.group(1)), row.group(2)))
        return rows

    def test_durations_lists_at_most_n_slowest_tests(self):
        # -v 2: rows under a millisecond are otherwise hidden.
        run = self.run_tests("outcomes", "--durations", "2", "-v", "2")
        self.assertExit(run, 1)
        self.assertCounts(run, **OUTCOMES_TOTALS)
        rows = self.durations_table(run)
        self.assertEqual(len(rows), 2, run.describe())
        self.assertEqual(rows, sorted(rows, reverse=True))
        self.assertLessEqual({name for _, name in rows}, OUTCOMES_RUN)
        self.assertNothingLeft()

    def test_durations_0_lists_every_test(self):
        run = self.run_tests("outcomes", "--durations", "0", "-v", "2")
        self.assertCounts(run, **OUTCOMES_TOTALS)
        names = [name for _, name in self.durations_table(run)]
        self.assertEqual(len(names), len(set(names)), run.describe())
        # Whether a skipped test gets a duration depends on the Python version.
        self.assertEqual(set(names) - {"test_skipped"}, OUTCOMES_RUN, run.describe())
        self.assertNothingLeft()

    def test_no_table_without_durations(self):
        run = self.run_tests("outcomes", "-v", "2")
        self.assertCounts(run, **OUTCOMES_TOTALS)
        self.assertNotIn("Slowest test durations", run.output)
        self.assertNothingLeft()


class DebugSQLTests(ProjectTestCase):
    NEEDLE_QUERY = r"SELECT COUNT\(\*\) .*FROM \W?shop_item\W? WHERE .*'needle'"

    def test_debug_sql_prints_the_sql_of_the_failing_test(self):
        run = self.run_tests("outcomes.tests.FailingTests", "--debug-sql")
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        self.assertRegex(report_of(run, "test_fail"), self.NEEDLE_QUERY)
        self.assertNothingLeft()

    def test_no_sql_without_debug_sql(self):
        run = self.run_tests("outcomes.tests.FailingTests")
        self.assertCounts(run, failed=1)
        self.assertNotIn("needle", run.output, run.describe())
        self.assertNothingLeft()


class VerbosityTests(ProjectTestCase):
    LABEL = "shop.tests.test_models"
    TEST_LINE = re.compile(
        r"^test_\w+ \(shop\.tests\.test_models\.\w+[.\w]*\) \.\.\. ok$", re.M
    )
    UNUSED = "Skipping setup of unused database(s): other, replica."

    def run_at(self, verbosity: str):
        run = self.run_tests(self.LABEL, "-v", verbosity)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        self.assertNothingLeft()
        return run

    def test_verbosity_0_shows_only_the_summary(self):
        run = self.run_at("0")
        self.assertNotIn("Found", run.output)
        self.assertNotIn("Skipping setup", run.output)
        self.assertNotIn("Creating test database", run.output)
        self.assertNotIn(" ... ok", run.output)

    def test_verbosity_1_shows_the_test_count(self):
        run = self.run_at("1")
        self.assertIn("Found 6 test(s).", run.stdout.splitlines(), run.describe())
        self.assertIn("Creating test database for alias 'default'", run.output)
        self.assertNotIn("Skipping setup", run.output)
        self.assertNotIn(" ... ok", run.output)

    def test_verbosity_2_shows_each_test_and_skipped_databases(self):
        run = self.run_at("2")
        self.assertIn("Found 6 test(s).", run.stdout.splitlines(), run.describe())
        self.assertIn(self.UNUSED, run.stdout.splitlines(), run.describe())
        self.assertEqual(len(self.TEST_LINE.findall(run.stderr)), 6, run.describe())
        self.assertNotIn("Running pre-migrate handlers", run.output)

    def test_verbosity_3_also_shows_migrate_details(self):
        run = self.run_at("3")
        self.assertIn(self.UNUSED, run.stdout.splitlines(), run.describe())
        self.assertEqual(len(self.TEST_LINE.findall(run.stderr)), 6, run.describe())
        self.assertIn("Running pre-migrate handlers for application shop", run.output)


class ParallelSpellingTests(ProjectTestCase):
    """Each spelling is accepted and the run matches a serial one (15 passed)."""

    def assertLikeSerial(self, *parallel: str) -> None:
        run = self.run_tests("shop", *parallel)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=15)
        self.assertNothingLeft()

    def test_parallel_2(self):
        self.assertLikeSerial("--parallel", "2")

    def test_parallel_auto(self):
        self.assertLikeSerial("--parallel", "auto")

    def test_bare_parallel(self):
        self.assertLikeSerial("--parallel")

    def test_parallel_auto_minus_1(self):
        self.assertLikeSerial("--parallel", "auto-1")

    def test_parallel_auto_divided_by_2(self):
        self.assertLikeSerial("--parallel", "auto/2")


class DebugModeTests(ProjectTestCase):
    """The scripted project sets DEBUG = True; the runner turns it off for the
    tests unless --debug-mode. SQLite only: no database is involved."""

    project = "scripted"

    def test_debug_mode_keeps_debug_on(self):
        run = self.run_tests("probe", "--debug-mode")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=1)
        self.assertIn("PROBE DEBUG=True", run.stdout.splitlines(), run.describe())
        self.assertNothingLeft()

    def test_debug_mode_with_the_app_command(self):
        run = self.run_tests("probe", "--debug-mode", mode="app")
        self.assertCounts(run, passed=1)
        self.assertIn("PROBE DEBUG=True", run.stdout.splitlines(), run.describe())
        self.assertNothingLeft()

    def test_debug_is_off_without_debug_mode(self):
        run = self.run_tests("probe")
        self.assertCounts(run, passed=1)
        self.assertIn("PROBE DEBUG=False", run.stdout.splitlines(), run.describe())
        self.assertNothingLeft()


class PDBTests(ProjectTestCase):
    """SQLite only: the debugger does not depend on the database."""

    PROMPT = re.compile(r"\(Pdb\)|ipdb>")

    def test_pdb_opens_a_debugger_on_a_failure(self):
        run = self.run_tests(
            "outcomes.tests.FailingTests",
            "outcomes.tests.ErrorTests",
            "--pdb",
            input="c\n" * 5,
        )
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1, errors=1)
        self.assertEqual(len(self.PROMPT.findall(run.output)), 2, run.describe())
        self.assertIn("AssertionError: this test fails on purpose", run.output)
        self.assertIn("-> self.fail(", run.output)
        self.assertNothingLeft()

    def test_no_debugger_without_pdb(self):
        run = self.run_tests("outcomes.tests.FailingTests", input="c\n" * 5)
        self.assertCounts(run, failed=1)
        self.assertIsNone(self.PROMPT.search(run.output), run.describe())
        self.assertNothingLeft()

    def test_pdb_with_parallel_is_refused(self):
        run = self.run_tests("outcomes", "--pdb", "--parallel", "2")
        self.assertOneLineError(run, "--pdb")
        self.assertIsNone(run.summary)
        self.assertNothingLeft()


for _base in (
    FailfastTests,
    BufferTests,
    TimingTests,
    DurationsTests,
    DebugSQLTests,
    VerbosityTests,
    ParallelSpellingTests,
):
    globals().update(backend_variants(_base))
del _base
