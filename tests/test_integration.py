"""The ways a project plugs the runner in: TEST_RUNNER, the django_parallel
app's test command, a Runner subclass, a settings.configure() script and
Django's own tests/runtests.py contract.

SQLite only: these tests are about how the runner is reached and configured;
the database behaviour has its own modules with server variants.
"""

import json
import sys

from support import ProjectTestCase

MARKERS = (
    "custom setup_databases for ['default']",
    "custom runner kwargs: failfast=False",
    "custom result class in use",
)


class ModeTests(ProjectTestCase):
    def test_runner_and_app_modes_give_the_same_counts(self):
        # The app-mode settings leave TEST_RUNNER unset.
        runs = {
            mode: self.run_tests("shop", "ordering_app", mode=mode)
            for mode in ("runner", "app")
        }
        for mode, run in runs.items():
            with self.subTest(mode=mode):
                self.assertExit(run, 0)
                self.assertCounts(run, passed=27)
        self.assertNothingLeft()

    def test_app_mode_keeps_a_projects_own_runner(self):
        run = self.run_tests(
            "shop.tests.test_models",
            "--greeting",
            "hi",
            mode="app",
            env={
                "DP_SETTINGS_JSON": json.dumps(
                    {"TEST_RUNNER": "sample_project.runners.CustomRunner"}
                )
            },
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        self.assertIn("greeting: hi", run.output)
        self.assertIn("custom result class in use", run.output)
        self.assertNothingLeft()

    def test_app_mode_testrunner_option_selects_djangos_runner(self):
        run = self.run_tests(
            "shop.tests.test_simple",
            "--testrunner",
            "django.test.runner.DiscoverRunner",
            mode="app",
        )
        self.assertExit(run, 0)
        self.assertIsNone(run.summary, run.describe())
        self.assertIn("Ran 2 tests", run.stderr)
        self.assertNothingLeft()

    def test_django_mode_is_not_ours(self):
        run = self.run_tests("shop.tests.test_simple", mode="django")
        self.assertExit(run, 0)
        self.assertIsNone(run.summary, run.describe())
        self.assertIn("Ran 2 tests", run.stderr)
        self.assertNothingLeft()


class CustomRunnerTests(ProjectTestCase):
    """sample_project.runners.CustomRunner, and a subclass that overrides log()."""

    def test_every_override_is_used(self):
        run = self.run_tests("shop.tests.test_models", mode="custom")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        for marker in MARKERS:
            self.assertIn(marker, run.output)
        self.assertIn("greeting: hello", run.output)
        self.assertNothingLeft()

    def test_added_argument_reaches_the_runner(self):
        run = self.run_tests(
            "shop.tests.test_models", "--greeting", "hi", "--failfast", mode="custom"
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        self.assertIn("greeting: hi", run.output)
        self.assertNotIn("greeting: hello", run.output)
        self.assertIn("custom runner kwargs: failfast=True", run.output)
        self.assertNothingLeft()

    def test_log_override_receives_the_runners_messages(self):
        run = self.run_tests(
            "shop.tests.test_models",
            "--greeting",
            "hi",
            mode="custom",
            env={
                "DP_SETTINGS_JSON": json.dumps(
                    {"TEST_RUNNER": "probes.runners.LoggingCustomRunner"}
                )
            },
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=6)
        self.assertIn("custom log [None]: Found 6 test(s).", run.stdout)
        self.assertIn("custom log [30]: greeting: hi", run.stdout)
        for marker in MARKERS:
            self.assertIn(marker, run.output)
        self.assertNothingLeft()


class ReusableAppTests(ProjectTestCase):
    """runtests.py: settings.configure(), get_runner(settings), run_tests()."""

    project = "reusable_app"

    def test_configured_settings_script_runs_the_app_tests(self):
        run = self.run_command([sys.executable, "runtests.py"])
        self.assertExit(run, 0)
        self.assertIn("runner: django_parallel.runner.Runner", run.stdout)
        self.assertCounts(run, passed=3)
        self.assertNothingLeft()

    def test_failure_sets_the_exit_status(self):
        run = self.run_command([sys.executable, "runtests.py", "reusable.broken"])
        self.assertExit(run, 1)
        self.assertCounts(run, failed=1)
        self.assertNothingLeft()


class RuntestsContractTests(ProjectTestCase):
    """The runner as Django's own tests/runtests.py builds and drives it."""

    project = "runtests_contract"

    def run_script(self, *labels, env=None):
        return self.run_command([sys.executable, "runtests.py", *labels], env=env)

    def test_passing_run(self):
        run = self.run_script()
        self.assertExit(run, 0)
        self.assertCounts(run, passed=3)
        self.assertIn("PROBE process_setup set: True", run.stdout)
        self.assertIn("PROBE process_setup_args: (1, ['contract_app'])", run.stdout)
        self.assertIn("PROBE parallel attribute: 1", run.stdout)
        self.assertIn("PROBE failures: 0", run.stdout)
        self.assertIn("PROBE captureOnCommitCallbacks restored: True", run.stdout)
        self.assertNothingLeft()

    def test_failures_are_returned_and_set_the_exit_status(self):
        run = self.run_script("contract_app.failing")
        self.assertExit(run, 1)
        self.assertCounts(run, passed=1, failed=2)
        self.assertIn("PROBE failures: 2", run.stdout)
        self.assertNothingLeft()

    def run_parallel(self, start_method):
        return self.run_script(
            env={"CONTRACT_PARALLEL": "2", "CONTRACT_START_METHOD": start_method}
        )

    def test_spawned_workers_call_process_setup(self):
        for start_method in ("spawn", "forkserver"):
            with self.subTest(start_method=start_method):
                run = self.run_parallel(start_method)
                self.assertExit(run, 0)
                self.assertCounts(run, passed=3)
                self.assertIn("PROBE parallel attribute: 2", run.stdout)
                self.assertIn(
                    "PROBE process_setup called verbosity=1 labels=['contract_app']",
                    run.output,
                )
                self.assertNothingLeft()

    def test_forked_workers_do_not_call_process_setup(self):
        # As in Django: a forked worker has the parent's app registry, which
        # the tests imported before the fork refer to; setting it up again
        # would give the registry new AppConfigs.
        run = self.run_parallel("fork")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=3)
        self.assertNotIn("PROBE process_setup called", run.output)
        self.assertNothingLeft()

    def test_parallel_failures_set_the_exit_status(self):
        run = self.run_script("contract_app.failing", env={"CONTRACT_PARALLEL": "2"})
        self.assertExit(run, 1)
        self.assertCounts(run, passed=1, failed=2)
        self.assertIn("PROBE failures: 2", run.stdout)
        self.assertNothingLeft()
