"""Test labels: dotted names, directories, files, -t and -p, run against the
layout project (nested test packages, a test package outside any app, a
directory without __init__.py, check_*.py modules, modules that fail to
import). Every test there prints "RUN <id>", so the exact set of tests that
ran, and the names they ran under, can be read back.

Labels choose tests, not databases, so these tests stay on SQLite.
"""

import re

from support import ProjectTestCase

RUN_LINE = re.compile(r"^RUN (\S+)$", re.MULTILINE)

BOOKS = {
    "library.tests.test_books.BookTests.test_create",
    "library.tests.test_books.BookTests.test_empty",
}
TAGGED = {
    f"library.tests.test_tagged.{name}"
    for name in (
        "SlowShelfTests.test_count_shelves",
        "SlowShelfTests.test_label_shelves",
        "QuickShelfTests.test_dust_shelf",
        "QuickShelfTests.test_sort_shelf",
        "QuickShelfTests.test_empty_shelf",
        "RemoteCatalogTests.test_fetch_record",
        "RemoteCatalogTests.test_sync_records",
    )
}
NESTED = {
    "library.tests.nested.test_shelves.ShelfLayoutTests.test_nested_package_is_found",
    "library.tests.nested.deeper.test_rare_books.RareBookTests.test_rare_book_saved",
}
LOANS = {"loans.tests.LoanTests.test_loan_period"}
INTEGRATION = {
    "integration.test_workflow.WorkflowTests.test_borrow_flow",
    "integration.test_workflow.PlainWorkflowTests.test_plain_flow",
}
CHECKS = {
    "library.tests.check_inventory.InventoryCheckTests.test_inventory_one",
    "library.tests.check_inventory.InventoryCheckTests.test_inventory_two",
    "library.tests.nested.deeper.check_rare.RareCheckTests.test_rare_check",
}
MISSING_MODULE_ERROR = "No module named 'layout_missing_dependency'"


def ran(run):
    """Ids of the tests that ran, in order."""
    return RUN_LINE.findall(run.stdout)


class DiscoveryTestCase(ProjectTestCase):
    project = "layout"

    def assertRan(self, run, expected):
        """The run passed, and exactly ``expected`` ran, each once."""
        self.assertExit(run, 0)
        ids = ran(run)
        self.assertEqual(len(ids), len(set(ids)), run.describe())
        self.assertEqual(set(ids), set(expected), run.describe())
        self.assertCounts(run, passed=len(expected))
        self.assertNothingLeft()


class DottedLabelTests(DiscoveryTestCase):
    def test_app_package_discovers_every_test_module_below_it(self):
        run = self.run_tests("library")
        self.assertRan(run, BOOKS | TAGGED | NESTED)

    def test_nested_test_package(self):
        self.assertRan(self.run_tests("library.tests.nested"), NESTED)

    def test_module(self):
        self.assertRan(self.run_tests("library.tests.test_books"), BOOKS)

    def test_module_named_tests_in_an_app(self):
        self.assertRan(self.run_tests("loans.tests"), LOANS)

    def test_class(self):
        run = self.run_tests("library.tests.test_tagged.QuickShelfTests")
        self.assertRan(
            run,
            {
                "library.tests.test_tagged.QuickShelfTests.test_dust_shelf",
                "library.tests.test_tagged.QuickShelfTests.test_sort_shelf",
                "library.tests.test_tagged.QuickShelfTests.test_empty_shelf",
            },
        )

    def test_method(self):
        label = "library.tests.test_tagged.QuickShelfTests.test_dust_shelf"
        self.assertRan(self.run_tests(label), {label})

    def test_package_outside_installed_apps(self):
        self.assertRan(self.run_tests("integration"), INTEGRATION)


class PathLabelTests(DiscoveryTestCase):
    def test_relative_directory(self):
        self.assertRan(self.run_tests("library/tests/nested"), NESTED)

    def test_relative_directory_with_trailing_slash(self):
        self.assertRan(self.run_tests("library/tests/nested/"), NESTED)

    def test_absolute_directory(self):
        run = self.run_tests(str(self.project_dir / "library" / "tests" / "nested"))
        self.assertRan(run, NESTED)

    def test_directory_that_is_not_a_package(self):
        # Its modules are imported from the directory itself, as top-level names.
        run = self.run_tests("standalone")
        self.assertRan(run, {"test_scripts.ScriptTests.test_script_runs"})

    def test_test_file(self):
        # Django's own runner refuses a file path; ours maps it to its module.
        run = self.run_tests("library/tests/test_books.py")
        self.assertRan(run, BOOKS)

    def test_absolute_test_file(self):
        run = self.run_tests(str(self.project_dir / "loans" / "tests.py"))
        self.assertRan(run, LOANS)

    def test_file_not_matching_the_pattern_runs_when_named(self):
        run = self.run_tests("library/tests/check_inventory.py")
        self.assertRan(
            run,
            {t for t in CHECKS if t.startswith("library.tests.check_inventory.")},
        )

    def test_test_file_in_a_directory_that_is_not_a_package(self):
        run = self.run_tests("standalone/test_scripts.py")
        self.assertRan(run, {"test_scripts.ScriptTests.test_script_runs"})


class SeveralLabelsAndDefaultTests(DiscoveryTestCase):
    def test_several_labels_of_different_kinds(self):
        run = self.run_tests(
            "library.tests.test_books",
            "loans",
            "integration/test_workflow.py",
            "library/tests/nested/",
        )
        self.assertRan(run, BOOKS | LOANS | INTEGRATION | NESTED)

    def test_no_label_discovers_from_the_current_directory(self):
        # Not standalone/ (no __init__.py), not check_*.py, not the broken
        # module: only test*.py modules in packages.
        run = self.run_tests()
        self.assertRan(run, BOOKS | TAGGED | NESTED | LOANS | INTEGRATION)


class TopLevelAndPatternTests(DiscoveryTestCase):
    def test_top_level_directory_sets_module_names(self):
        run = self.run_tests("-t", "library/tests", "library/tests/nested")
        self.assertRan(
            run,
            {
                "nested.test_shelves.ShelfLayoutTests.test_nested_package_is_found",
                "nested.deeper.test_rare_books.RareBookTests.test_rare_book_saved",
            },
        )

    def test_long_top_level_option_with_a_file_outside_any_package(self):
        run = self.run_tests("--top-level-directory", ".", "standalone/test_scripts.py")
        self.assertRan(run, {"standalone.test_scripts.ScriptTests.test_script_runs"})

    def test_pattern_from_the_current_directory(self):
        self.assertRan(self.run_tests("-p", "check_*.py"), CHECKS)

    def test_long_pattern_option_with_a_directory_label(self):
        run = self.run_tests("--pattern", "check_*.py", "library/tests/nested")
        self.assertRan(
            run,
            {"library.tests.nested.deeper.check_rare.RareCheckTests.test_rare_check"},
        )

    def test_pattern_with_a_package_label(self):
        run = self.run_tests("-p", "test_s*.py", "library")
        self.assertRan(
            run,
            {
                "library.tests.nested.test_shelves.ShelfLayoutTests."
                "test_nested_package_is_found"
            },
        )


class BrokenModuleTests(DiscoveryTestCase):
    """A module that exists but fails to import is a test error with its
    traceback, not a label error: the run goes on and exits 1."""

    def assertImportErrorReported(self, run, passed=0, error=MISSING_MODULE_ERROR):
        self.assertExit(run, 1)
        self.assertCounts(run, passed=passed, errors=1)
        self.assertIn("Traceback", run.output, run.describe())
        self.assertIn(error, run.output, run.describe())
        self.assertNotIn("django-parallel: error", run.output, run.describe())
        self.assertNothingLeft()

    def test_dotted_label(self):
        self.assertImportErrorReported(self.run_tests("library.tests.broken_module"))

    def test_class_in_the_module(self):
        run = self.run_tests("library.tests.broken_module.NeverLoadedTests")
        self.assertImportErrorReported(run)

    def test_file_label(self):
        run = self.run_tests("library/tests/broken_module.py")
        self.assertImportErrorReported(run)

    def test_reached_by_pattern(self):
        self.assertImportErrorReported(self.run_tests("-p", "broken_*.py"))

    def test_other_labels_still_run(self):
        run = self.run_tests("library.tests.broken_module", "library.tests.test_books")
        self.assertImportErrorReported(run, passed=2)
        self.assertEqual(set(ran(run)), BOOKS)

    def test_module_raising_something_other_than_import_error(self):
        run = self.run_tests("library.tests.raising_module")
        self.assertImportErrorReported(
            run, error="RuntimeError: layout: raised while importing"
        )
