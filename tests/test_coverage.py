"""A run started under coverage.py measures its workers too, under every
start method, with nothing but a .coveragerc: once combined, the lines a
parallel run executed are exactly those a serial run executed."""

import importlib.util
import os
import sys
import unittest
from unittest import mock

from support import IN_CI, ProjectTestCase

# Migrations measured too: the first run (serial) migrates, the others copy
# the migrated database from the cache.
RCFILE = """\
[run]
parallel = true
source = inventory
"""
# Not in parallel mode, and under another name: the workers must get it from
# the parent, and say how to combine.
PLAIN_RCFILE = """\
[run]
source = inventory
"""


class CoverageInWorkersTests(ProjectTestCase):
    project = "measured"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not importlib.util.find_spec("coverage") and not IN_CI:
            raise unittest.SkipTest("coverage.py is not installed")

    def setUp(self):
        super().setUp()
        (self.project_dir / ".coveragerc").write_text(RCFILE)
        (self.project_dir / "plain.rc").write_text(PLAIN_RCFILE)
        self.initial_files = self.project_files()

    def measured(self, *command: str, rcfile: str = ".coveragerc") -> tuple:
        """Run ``command`` under coverage; the lines each measured file
        executed, in the parent and the workers together (what `coverage
        combine` makes of their data files), which are then removed."""
        import coverage

        run = self.run_command(
            [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", *command]
        )
        self.assertExit(run, 0)
        self.assertCounts(run, passed=12)
        lines: dict[str, set[int]] = {}
        files = sorted(self.project_dir.glob(".coverage*"))
        for path in files:
            if path.name == ".coveragerc":
                continue
            data = coverage.CoverageData(basename=str(path))
            data.read()
            for name in data.measured_files():
                relative = os.path.relpath(name, self.project_dir)
                lines.setdefault(relative, set()).update(data.lines(name) or ())
            path.unlink()
        return run, {name: sorted(executed) for name, executed in lines.items()}

    def test_parallel_runs_measure_what_a_serial_run_does(self):
        _, serial = self.measured("manage.py", "test")
        # Every line of the code the tests call ran (its docstring too).
        self.assertEqual(len(serial["inventory/pricing.py"]), 24, serial)
        runs = {
            "spawn": ["manage.py", "test"],
            "fork": ["manage.py", "test"],
            # `coverage run -m django test`, with an rcfile of another name
            # that is not in parallel mode.
            "forkserver": ["-m", "django", "test"],
        }
        for method, command in runs.items():
            with self.subTest(method):
                rcfile = "plain.rc" if method == "forkserver" else ".coveragerc"
                run, lines = self.measured(
                    *command,
                    "--parallel", "2", "--start-method", method,
                    rcfile=rcfile,
                )  # fmt: skip
                self.assertEqual(lines, serial)
                if rcfile == "plain.rc":
                    # Its own data file is .coverage, the workers' .coverage.*.
                    self.assertIn("coverage combine --append", run.stdout)
        self.assertNothingLeft()

    def environment(self, mode="runner", env=None):
        return super().environment(
            mode, {"DJANGO_SETTINGS_MODULE": "measured_project.settings", **(env or {})}
        )


class CoveragePlanTests(unittest.TestCase):
    """What the parent hands its workers, from a Coverage running here."""

    def plan(self, **options):
        import coverage

        from django_parallel.parallel.coverage_workers import coverage_plan

        said = []
        measuring = coverage.Coverage(data_file=None, config_file=False, **options)
        measuring.start()
        try:
            plan = coverage_plan(lambda message, level: said.append(message))
        finally:
            measuring.stop()
        return measuring, plan, said

    def setUp(self):
        if not importlib.util.find_spec("coverage") and not IN_CI:
            self.skipTest("coverage.py is not installed")
        import coverage

        if coverage.Coverage.current() is not None:
            self.skipTest("this suite is itself measured by coverage.py")

    def test_no_plan_without_a_running_coverage(self):
        from django_parallel.parallel.coverage_workers import coverage_plan

        said = []
        self.assertIsNone(coverage_plan(lambda message, level: said.append(message)))
        self.assertEqual(said, [])

    def test_the_configuration_of_the_running_coverage(self):
        measuring, plan, said = self.plan(branch=True, data_suffix=True)
        self.assertEqual(plan.parent, id(measuring))
        self.assertEqual(said, [])
        import coverage

        # What a worker is made from has the parent's settings.
        worker = coverage.Coverage(config_file=plan.config)
        self.assertTrue(worker.get_option("run:branch"))

    def test_one_line_when_the_parent_writes_the_data_file_itself(self):
        _, plan, said = self.plan()
        self.assertIsNotNone(plan)
        self.assertEqual(len(said), 1)
        self.assertIn("coverage combine --append", said[0])

    def test_steps_aside_when_coverage_cannot_hand_its_configuration_on(self):
        from django_parallel.parallel.coverage_workers import coverage_plan

        class Old:
            """A coverage.py from before CoverageConfig.serialize."""

            __version__ = "7.9.2"

            class Coverage:
                config = object()

                @classmethod
                def current(cls):
                    return cls()

        said = []
        with mock.patch.dict(sys.modules, {"coverage": Old, "coverage.control": Old}):
            plan = coverage_plan(lambda message, level: said.append(message))
        self.assertIsNone(plan)
        self.assertEqual(len(said), 1)
        self.assertIn("coverage.py 7.9.2 cannot hand its configuration", said[0])
