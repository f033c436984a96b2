"""An alias is serialized only when a selected test on it needs it
(``serialized_rollback = True``), without deprecation warnings."""

from support import ProjectTestCase, backend_variants

SERIALIZED = "shop.tests.test_transactions.SerializedRollbackTests"
PROBE = "probes.tests.DefaultDatabaseProbe"


class SerializationTests(ProjectTestCase):
    def test_no_serialized_rollback_test_no_serialization(self):
        run = self.run_tests(PROBE, "shop.tests.test_transactions.AtomicTests")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertIn("PROBE default default: test_db=yes serialized=no", run.stdout)
        self.assertNothingLeft()

    def test_serialized_rollback_test_serializes_its_alias_only(self):
        run = self.run_tests(PROBE, SERIALIZED, "shop.tests.test_multidb")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=5)
        self.assertIn("PROBE default default: test_db=yes serialized=yes", run.stdout)
        self.assertIn("PROBE default other: test_db=yes serialized=no", run.stdout)
        self.assertNothingLeft()

    def test_serialized_rollback_restores_data_migration_rows(self):
        # Each test checks, then deletes, the migration's rows: the second one
        # passes only if they were restored in between.
        run = self.run_tests(SERIALIZED)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertNothingLeft()

    def test_no_django_deprecation_warnings(self):
        run = self.run_tests(
            SERIALIZED, "shop.tests.test_models", env={"PYTHONWARNINGS": "always"}
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=8)
        self.assertNotIn("RemovedInDjango", run.output)
        self.assertNothingLeft()


globals().update(backend_variants(SerializationTests))
