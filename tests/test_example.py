"""The bundled example project's full suite passes under the runner, on every
database backend (example/ picks its database with EXAMPLE_DB and
EXAMPLE_DB_NAME)."""

from support import ROOT, ProjectTestCase, backend_variants

MINIMUM_TESTS = 200


class ExampleProjectTests(ProjectTestCase):
    project = "example"

    def project_source(self):
        return ROOT / "example"

    def environment(self, mode="runner", env=None):
        environ = super().environment(mode, env)
        environ.update(EXAMPLE_DB=self.backend, EXAMPLE_DB_NAME=self.db_name)
        return environ

    def test_full_suite_passes(self):
        run = self.run_tests("--noinput", timeout=900)
        self.assertExit(run, 0)
        summary = run.summary
        self.assertIsNotNone(summary, run.describe())
        self.assertGreaterEqual(summary["passed"], MINIMUM_TESTS, run.describe())
        problems = {
            key: summary[key] for key in ("failed", "errors", "unexpected_successes")
        }
        self.assertEqual(
            problems,
            {"failed": 0, "errors": 0, "unexpected_successes": 0},
            run.describe(),
        )
        self.assertNothingLeft()


globals().update(backend_variants(ExampleProjectTests))
