"""Classes of every kind, deliberately out of the order the runner uses.

Each test prints "RUN <id>" so the test suite can read the order back.
"""

import unittest

from django.test import SimpleTestCase, TestCase, TransactionTestCase


class RecordingMixin:
    def test_one(self):
        print(f"RUN {self.id()}")

    def test_two(self):
        print(f"RUN {self.id()}")


class PlainA(RecordingMixin, unittest.TestCase):
    pass


class SimpleB(RecordingMixin, SimpleTestCase):
    pass


class TransactionC(RecordingMixin, TransactionTestCase):
    pass


class DatabaseD(RecordingMixin, TestCase):
    pass


class PlainE(RecordingMixin, unittest.TestCase):
    pass


class DatabaseF(RecordingMixin, TestCase):
    pass
