"""Failures whose exception or subtest parameters cannot be pickled."""

import threading

from django.test import SimpleTestCase


class LockedError(Exception):
    def __init__(self):
        super().__init__("an error holding a lock")
        self.lock = threading.Lock()


class UnpicklableTests(SimpleTestCase):
    def test_unpicklable_exception(self):
        raise LockedError()

    def test_unpicklable_subtest_parameter(self):
        with self.subTest(lock=threading.Lock()):
            self.fail("subtest with a lock parameter")

    def test_passes(self):
        pass
