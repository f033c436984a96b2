"""A run started under coverage.py measures its workers too, under every
start method, with nothing but a .coveragerc: once combined, the lines a
parallel run executed are exactly those a serial run executed."""

import importlib.util
import os
import sys
import unittest

from support import IN_CI, ProjectTestCase

RCFILE = """\
[run]
parallel = true
source = inventory
omit = */migrations/*
"""
# Not in parallel mode, and under another name: the workers must get it from
# the parent, and say how to combine.
PLAIN_RCFILE = """\
[run]
source = inventory
omit = */migrations/*
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
