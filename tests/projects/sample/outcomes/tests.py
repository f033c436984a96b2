"""One class per outcome a test can have, for the summary and report tests.

Totals: 3 passed, 2 failed (one a subtest), 2 errors (one from setUpClass),
1 skipped, 1 expected failure, 1 unexpected success.
"""

import logging
import unittest

from django.test import SimpleTestCase, TestCase
from shop.models import Item

logger = logging.getLogger("outcomes")


class PassingTests(SimpleTestCase):
    def test_pass(self):
        pass

    def test_prints(self):
        print("stdout from a passing test")

    def test_logs(self):
        logger.info("log record from a passing test")


class FailingTests(TestCase):
    def test_fail(self):
        print("stdout from a failing test")
        Item.objects.filter(name="needle").count()
        self.fail("this test fails on purpose")


class ErrorTests(SimpleTestCase):
    def test_error(self):
        raise ValueError("this test errors on purpose")


class SkipTests(SimpleTestCase):
    @unittest.skip("skipped on purpose")
    def test_skipped(self):
        pass


class ExpectedFailureTests(SimpleTestCase):
    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        pass


class SubTestTests(SimpleTestCase):
    def test_subtests(self):
        for value in (1, 2, 3):
            with self.subTest(value=value):
                self.assertNotEqual(value, 2)


class BrokenSetUpClassTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        raise RuntimeError("setUpClass fails on purpose")

    def test_never_runs(self):
        pass
