"""Where the runner's own messages go: to ``Runner(logger=...)`` when one is
given, otherwise to stdout as far as the verbosity allows (``Runner.log``).

No command-line flag passes a logger, so these tests drive the runner from the
script of the "scripted" project. SQLite only: no database is involved.
"""

import sys

from support import ProjectTestCase


class ScriptTestCase(ProjectTestCase):
    project = "scripted"

    def drive(self, *args: str):
        run = self.run_command([sys.executable, "drive.py", *args])
        self.assertExit(run, 0)
        self.assertIn("DONE 0", run.stdout, run.describe())
        return run

    def plain_lines(self, run) -> list[str]:
        """stdout lines the logger's handler did not write."""
        return [
            line for line in run.stdout.splitlines() if not line.startswith("LOGGED ")
        ]


class LoggerTests(ScriptTestCase):
    def test_runner_messages_go_to_the_given_logger(self):
        run = self.drive("run", "probe", "--logger", "--shuffle", "7")
        logged = [line for line in run.stdout.splitlines() if line.startswith("LOGGED")]
        self.assertEqual(
            logged,
            [
                "LOGGED INFO Using shuffle seed: 7 (given)",
                "LOGGED INFO Found 1 test(s).",
                "LOGGED DEBUG Skipping setup of unused database(s): default.",
                "LOGGED INFO Used shuffle seed: 7 (given)",
            ],
            run.describe(),
        )
        self.assertIn("PROBE DEBUG=False", run.stdout)
        self.assertCounts(run, passed=1, seed=7)
        self.assertNothingLeft()

    def test_nothing_logged_is_also_printed(self):
        run = self.drive("run", "probe", "--logger", "--shuffle", "7")
        for line in self.plain_lines(run) + run.stderr.splitlines():
            self.assertNotIn("test(s).", line, run.describe())
            self.assertNotIn("shuffle seed:", line, run.describe())
            self.assertNotIn("Skipping setup", line, run.describe())

    def test_a_logger_receives_messages_whatever_the_verbosity(self):
        # Filtering is the logger's business once there is one.
        run = self.drive("run", "probe", "--logger", "--verbosity", "0")
        self.assertIn("LOGGED INFO Found 1 test(s).", run.stdout, run.describe())
        self.assertIn(
            "LOGGED DEBUG Skipping setup of unused database(s): default.",
            run.stdout,
            run.describe(),
        )
        self.assertCounts(run, passed=1)
        self.assertNothingLeft()

    def test_without_a_logger_messages_are_printed(self):
        run = self.drive("run", "probe", "--verbosity", "1")
        self.assertNotIn("LOGGED", run.stdout)
        self.assertIn("Found 1 test(s).", run.stdout.splitlines(), run.describe())
        self.assertCounts(run, passed=1)
        self.assertNothingLeft()


class LogWithoutLoggerTests(ScriptTestCase):
    """``Runner.log`` with no logger: 0 prints nothing, 1 INFO and above, 2+
    every level. INFO is the default level."""

    def printed(self, verbosity: int) -> list[str]:
        run = self.drive("log", "--verbosity", str(verbosity))
        return [line for line in run.stdout.splitlines() if line.startswith("message")]

    def test_verbosity_0_prints_nothing(self):
        self.assertEqual(self.printed(0), [])

    def test_verbosity_1_prints_info_and_above(self):
        self.assertEqual(
            self.printed(1),
            [
                "message at INFO",
                "message at WARNING",
                "message at the default level",
            ],
        )

    def test_verbosity_2_prints_every_level(self):
        self.assertEqual(
            self.printed(2),
            [
                "message at DEBUG",
                "message at INFO",
                "message at WARNING",
                "message at the default level",
            ],
        )

    def test_verbosity_3_prints_every_level(self):
        self.assertIn("message at DEBUG", self.printed(3))
