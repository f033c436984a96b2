"""--durations N: the N slowest tests, then the N slowest classes with their
class fixtures apart, serial and in parallel under every start method.

No assertion depends on how long anything took: the tables must agree with
each other (a class's tests add up to its tests' rows, its parts to its
total), name every class once, and show setUpTestData where a class has
one."""

import re

from support import ProjectTestCase

START_METHODS = ("spawn", "forkserver", "fork")
# Python 3.11+ names the test's method in its description too.
TEST_ROW = re.compile(r"(\d+\.\d{3})s (\w+) \((inventory\.tests\.\w+)(?:\.\w+)?\)")
CLASS_ROW = re.compile(r"(\d+\.\d{3})s (inventory\.tests\.\w+) \((.*)\)")
PART = re.compile(r"(\w+) (\d+\.\d{3})s")
CLASSES = {
    "inventory.tests.TestDataTests": 4,
    "inventory.tests.PriceTests": 3,
    "inventory.tests.LabelTests": 2,
    "inventory.tests.DiscountTests": 3,
}


def table(run, title: str) -> list[str]:
    match = re.search(rf"^{title}[^\n]*\n-{{70}}\n(.*?)\n\n", run.stderr, re.M | re.S)
    assert match, run.describe()
    return match.group(1).splitlines()


class DurationsTableTests(ProjectTestCase):
    project = "measured"

    def classes(self, run) -> dict[str, tuple[float, dict[str, float]]]:
        """Each class row: total and parts."""
        rows = {}
        for line in table(run, "Slowest test classes"):
            row = CLASS_ROW.fullmatch(line)
            self.assertIsNotNone(row, f"bad row {line!r}\n{run.describe()}")
            parts = {name: float(s) for name, s in PART.findall(row.group(3))}
            self.assertNotIn(row.group(2), rows, run.describe())
            rows[row.group(2)] = (float(row.group(1)), parts)
        return rows

    def assertTablesAgree(self, run) -> None:
        tests: dict[str, list[float]] = {}
        for line in table(run, "Slowest test durations"):
            row = TEST_ROW.fullmatch(line)
            self.assertIsNotNone(row, f"bad row {line!r}\n{run.describe()}")
            tests.setdefault(row.group(3), []).append(float(row.group(1)))
        self.assertEqual(
            {name: len(rows) for name, rows in tests.items()}, CLASSES, run.describe()
        )
        classes = self.classes(run)
        self.assertEqual(set(classes), set(CLASSES), run.describe())
        totals = [total for total, _ in classes.values()]
        self.assertEqual(totals, sorted(totals, reverse=True), run.describe())
        for name, (total, parts) in classes.items():
            with self.subTest(name):
                # Each figure is rounded to the millisecond.
                self.assertAlmostEqual(sum(parts.values()), total, delta=0.003)
                self.assertAlmostEqual(
                    parts["tests"], sum(tests[name]), delta=0.0006 * CLASSES[name]
                )
                self.assertEqual(
                    list(parts)[1:],
                    ["setUpClass", "setUpTestData", "tearDownClass"]
                    if name == "inventory.tests.TestDataTests"
                    else ["setUpClass", "tearDownClass"],
                    run.describe(),
                )

    def test_serial_then_at_most_n(self):
        run = self.run_tests("--durations", "0", "-v", "2")
        self.assertExit(run, 0)
        self.assertCounts(run, passed=12)
        self.assertTablesAgree(run)
        run = self.run_tests("--durations", "2", "-v", "2")
        self.assertEqual(len(table(run, "Slowest test durations")), 2)
        self.assertEqual(len(self.classes(run)), 2)
        self.assertNothingLeft()

    def test_parallel_under_every_start_method(self):
        for method in START_METHODS:
            with self.subTest(method):
                run = self.run_tests(
                    "--durations", "0", "-v", "2", "--parallel", "2",
                    "--start-method", method,
                )  # fmt: skip
                self.assertExit(run, 0)
                self.assertCounts(run, passed=12)
                self.assertTablesAgree(run)
        self.assertNothingLeft()
