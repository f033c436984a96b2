"""Bad labels and bad option values end the run with exit status 2 and one
error line, before any test database exists, both through our own ``test``
command (mode "app": django_parallel in INSTALLED_APPS) and through Django's
command with TEST_RUNNER = "django_parallel.Runner" (mode "runner")."""

from support import ProjectTestCase, backend_variants

LABEL_ERROR = "django-parallel: error: test label "
CREATING = "Creating test database"


class LabelErrorTests(ProjectTestCase):
    """A label that names nothing is refused before databases are set up, so
    the server variants also prove no test database was created."""

    project = "layout"
    mode = "app"

    def assertLabelError(self, *args, label):
        run = self.run_tests(*args, mode=self.mode)
        self.assertOneLineError(run, repr(label))
        lines = run.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, run.describe())
        self.assertTrue(lines[0].startswith(LABEL_ERROR), run.describe())
        self.assertNotIn("RUN ", run.stdout, run.describe())
        self.assertNotIn(CREATING, run.output, run.describe())
        self.assertIsNone(run.summary, run.describe())
        self.assertNothingLeft()

    def test_valid_database_label_creates_the_database(self):
        # The counterpart of the assertion that bad labels create nothing.
        run = self.run_tests("library.tests.test_books", mode=self.mode)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=2)
        self.assertIn(CREATING, run.output, run.describe())
        self.assertNothingLeft()

    def test_dotted_name_of_nothing(self):
        self.assertLabelError("nosuchapp.tests", label="nosuchapp.tests")

    def test_missing_attribute_of_an_existing_module(self):
        label = "library.tests.test_books.NoSuchTests"
        self.assertLabelError(label, label=label)

    def test_missing_method_of_an_existing_class(self):
        label = "library.tests.test_books.BookTests.test_missing"
        self.assertLabelError(label, label=label)

    def test_missing_module_of_an_existing_package(self):
        self.assertLabelError(
            "library.tests.test_nothing", label="library.tests.test_nothing"
        )

    def test_missing_directory(self):
        self.assertLabelError("library/no_such_dir/", label="library/no_such_dir/")

    def test_missing_python_file(self):
        label = "library/tests/test_nothing.py"
        self.assertLabelError(label, label=label)

    def test_bad_label_after_a_valid_database_label(self):
        self.assertLabelError(
            "library.tests.test_books", "nosuchapp", label="nosuchapp"
        )

    def test_directory_that_is_not_a_package_below_the_top_level(self):
        # standalone/ has no __init__.py, so it cannot be imported from "."
        self.assertLabelError("-t", ".", "standalone", label="standalone")


class LabelErrorRunnerModeTests(LabelErrorTests):
    mode = "runner"


class OptionErrorTests(ProjectTestCase):
    """Bad option values are refused while parsing, before anything else: no
    database is involved, so SQLite only."""

    project = "layout"

    def assertOptionError(self, *args, option, value):
        run = self.run_tests(*args, mode="app")
        self.assertOneLineError(run, f"argument {option}: ")
        line = run.stderr.strip()
        self.assertEqual(len(line.splitlines()), 1, run.describe())
        self.assertIn(repr(value), line, run.describe())
        self.assertNotIn("usage:", run.output, run.describe())
        self.assertNothingLeft()

    def test_shuffle_seed_that_is_not_an_integer(self):
        self.assertOptionError("--shuffle", "abc", option="--shuffle", value="abc")

    def test_parallel_zero(self):
        self.assertOptionError("--parallel", "0", option="--parallel", value="0")

    def test_parallel_that_is_not_a_number(self):
        self.assertOptionError("--parallel", "abc", option="--parallel", value="abc")


class OptionErrorRunnerModeTests(ProjectTestCase):
    """Through Django's own ``test`` command. Django's parser prints argparse's
    usage (several lines) before the error line, and we cannot change that
    command, so only the exit status and the single error line are ours to
    check. SQLite only, as above."""

    project = "layout"

    def assertOptionError(self, *args, option, value):
        run = self.run_tests(*args, mode="runner")
        self.assertExit(run, 2)
        self.assertNotIn("Traceback", run.output, run.describe())
        self.assertTrue(run.stderr.startswith("usage: "), run.describe())
        errors = [line for line in run.stderr.splitlines() if ": error: " in line]
        self.assertEqual(len(errors), 1, run.describe())
        self.assertIn(f"argument {option}: ", errors[0], run.describe())
        self.assertIn(repr(value), errors[0], run.describe())
        self.assertNothingLeft()

    def test_shuffle_seed_that_is_not_an_integer(self):
        self.assertOptionError("--shuffle", "abc", option="--shuffle", value="abc")

    def test_parallel_zero(self):
        self.assertOptionError("--parallel", "0", option="--parallel", value="0")

    def test_parallel_that_is_not_a_number(self):
        self.assertOptionError("--parallel", "abc", option="--parallel", value="abc")


globals().update(backend_variants(LabelErrorTests))
globals().update(backend_variants(LabelErrorRunnerModeTests))
