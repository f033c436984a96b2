"""Test order: database TestCase classes first, then other Django test cases,
then plain unittest ones, grouped by class; --reverse and --shuffle SEED.

Uses the sample project's ordering_app, whose six classes (DatabaseD,
DatabaseF, SimpleB, TransactionC, PlainA, PlainE; test_one and test_two in
each) print "RUN <id>" when they run.
"""

import re
import unittest

import django
from support import ProjectTestCase, backend_variants

RUN_LINE = re.compile(r"^RUN ordering_app\.tests\.(\S+)$", re.MULTILINE)
SEED_LINE = re.compile(r"^Using shuffle seed: (\d+) \((given|generated)\)$", re.M)

DEFAULT_ORDER = [
    "DatabaseD.test_one",
    "DatabaseD.test_two",
    "DatabaseF.test_one",
    "DatabaseF.test_two",
    "SimpleB.test_one",
    "SimpleB.test_two",
    "TransactionC.test_one",
    "TransactionC.test_two",
    "PlainA.test_one",
    "PlainA.test_two",
    "PlainE.test_one",
    "PlainE.test_two",
]
# Each bin holds four tests: TestCase, then SimpleTestCase and
# TransactionTestCase, then unittest.TestCase.
BINS = [
    {"DatabaseD", "DatabaseF"},
    {"SimpleB", "TransactionC"},
    {"PlainA", "PlainE"},
]
# Seeds whose orders differ from each other and from the default order.
SEED = 1
OTHER_SEED = 2


def ran(run):
    """Tests that ran, as "Class.method", in order."""
    return RUN_LINE.findall(run.stdout)


def classes_of(order):
    return [name.split(".")[0] for name in order]


class OrderingTests(ProjectTestCase):
    def run_order(self, *args, **kwargs):
        run = self.run_tests("ordering_app", *args, **kwargs)
        self.assertExit(run, 0)
        self.assertCounts(run, passed=12)
        return run, ran(run)

    def assertBinnedAndGrouped(self, order):
        """Same tests as the default order, bins kept, each class contiguous."""
        self.assertEqual(sorted(order), sorted(DEFAULT_ORDER))
        for index, members in enumerate(BINS):
            self.assertLessEqual(
                set(classes_of(order[4 * index : 4 * index + 4])), members, order
            )
        classes = classes_of(order)
        self.assertEqual(classes[0::2], classes[1::2], order)

    def test_default_order(self):
        run, order = self.run_order()
        self.assertEqual(order, DEFAULT_ORDER)
        self.assertNothingLeft()

    def test_reverse_reverses_within_each_bin(self):
        run, order = self.run_order("--reverse")
        expected = [
            *DEFAULT_ORDER[3::-1],
            *DEFAULT_ORDER[7:3:-1],
            *DEFAULT_ORDER[11:7:-1],
        ]
        self.assertEqual(order, expected)
        self.assertNothingLeft()

    def test_short_reverse_option(self):
        run, order = self.run_order("-r")
        self.assertEqual(order[:2], ["DatabaseF.test_two", "DatabaseF.test_one"])
        self.assertEqual(order[-2:], ["PlainA.test_two", "PlainA.test_one"])
        self.assertNothingLeft()

    def test_same_seed_gives_same_order(self):
        first_run, first = self.run_order("--shuffle", str(SEED))
        second_run, second = self.run_order("--shuffle", str(SEED))
        self.assertEqual(first, second)
        self.assertNotEqual(first, DEFAULT_ORDER)
        self.assertBinnedAndGrouped(first)
        self.assertNothingLeft()

    def test_different_seeds_give_different_orders(self):
        first_run, first = self.run_order("--shuffle", str(SEED))
        other_run, other = self.run_order("--shuffle", str(OTHER_SEED))
        self.assertNotEqual(first, other)
        self.assertBinnedAndGrouped(other)
        self.assertNothingLeft()

    def test_seed_keeps_relative_order_on_a_subset(self):
        full_run, full = self.run_order("--shuffle", str(OTHER_SEED))
        labels = [
            "ordering_app.tests.PlainE.test_two",
            "ordering_app.tests.DatabaseF",
            "ordering_app.tests.TransactionC",
            "ordering_app.tests.PlainA",
            "ordering_app.tests.DatabaseD.test_one",
        ]
        run = self.run_tests(*labels, "--shuffle", str(OTHER_SEED))
        self.assertExit(run, 0)
        self.assertCounts(run, passed=8)
        subset = ran(run)
        self.assertEqual(subset, [name for name in full if name in set(subset)])
        self.assertEqual(len(subset), 8)
        self.assertNothingLeft()

    def test_given_seed_is_printed_before_during_and_after(self):
        run, order = self.run_order("--shuffle", str(SEED))
        lines = run.stdout.splitlines()
        using = lines.index(f"Using shuffle seed: {SEED} (given)")
        used = lines.index(f"Used shuffle seed: {SEED} (given)")
        runs = [i for i, line in enumerate(lines) if line.startswith("RUN ")]
        self.assertLess(using, runs[0])
        self.assertGreater(used, runs[-1])
        self.assertEqual(run.summary["seed"], SEED)
        self.assertRegex(
            run.stderr, rf"(?m)^12 passed, .* in [\d.]+s \(shuffle seed {SEED}\)$"
        )
        self.assertNothingLeft()

    def test_generated_seed_is_printed_and_reproduces_the_order(self):
        run, order = self.run_order("--shuffle")
        found = SEED_LINE.findall(run.stdout)
        self.assertEqual(len(found), 1, run.describe())
        seed, source = found[0]
        self.assertEqual(source, "generated")
        self.assertIn(f"Used shuffle seed: {seed} (generated)", run.stdout)
        self.assertEqual(run.summary["seed"], int(seed))
        self.assertBinnedAndGrouped(order)

        again, repeated = self.run_order("--shuffle", seed)
        self.assertIn(f"Using shuffle seed: {seed} (given)", again.stdout)
        self.assertEqual(repeated, order)
        self.assertNothingLeft()

    def test_reverse_with_seed_reverses_the_shuffled_order_within_each_bin(self):
        forward_run, forward = self.run_order("--shuffle", str(SEED))
        backward_run, backward = self.run_order("--shuffle", str(SEED), "--reverse")
        expected = [*forward[3::-1], *forward[7:3:-1], *forward[11:7:-1]]
        self.assertEqual(backward, expected)
        self.assertEqual(backward_run.summary["seed"], SEED)
        self.assertNothingLeft()

    @unittest.skipIf(
        django.VERSION < (4, 0), "Django's own runner has --shuffle from 4.0 on"
    )
    def test_seed_gives_the_same_order_as_djangos_runner(self):
        ours_run, ours = self.run_order("--shuffle", str(OTHER_SEED))
        django_run = self.run_tests(
            "ordering_app", "--shuffle", str(OTHER_SEED), mode="django"
        )
        self.assertExit(django_run, 0)
        self.assertIn("Ran 12 tests", django_run.stderr, django_run.describe())
        self.assertEqual(ran(django_run), ours)
        self.assertNotEqual(ours, DEFAULT_ORDER)
        self.assertNothingLeft()


globals().update(backend_variants(OrderingTests))
