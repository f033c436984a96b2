"""captureOnCommitCallbacks captures callbacks added by callbacks on every
Django version, and the runner puts Django's own method back afterwards."""

import django
from support import ProjectTestCase, backend_variants

# Django fixed the capture of nested callbacks in 4.0.2; before that the
# runner substitutes its own method while the tests run.
PATCHED = django.VERSION < (4, 0, 2)


class OnCommitCaptureTests(ProjectTestCase):
    def test_nested_callbacks_are_captured(self):
        run = self.run_tests(
            "shop.tests.test_on_commit", "probes.tests.DefaultDatabaseProbe"
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=3)
        module = "django_parallel.testcases" if PATCHED else "django.test.testcases"
        self.assertIn(
            f"PROBE default captureOnCommitCallbacks from {module}", run.stdout
        )
        self.assertNothingLeft()

    def test_djangos_own_runner_differs_only_before_4_0_2(self):
        # Shows that the sample test really depends on the fix.
        run = self.run_tests("shop.tests.test_on_commit", mode="django")
        if PATCHED:
            self.assertExit(run, 1)
            self.assertIn(
                "FAIL: test_callback_added_by_callback_is_captured", run.output
            )
            self.assertIn("FAILED (failures=1)", run.output)
        else:
            self.assertExit(run, 0)
            self.assertIn("Ran 2 tests", run.output)
        self.assertNothingLeft()


globals().update(backend_variants(OnCommitCaptureTests))
