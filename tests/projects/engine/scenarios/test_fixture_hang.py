"""Class fixtures that never end (with DP_FIXTURE_HANG), for --timeout:
each class hangs in a different one."""

import os
import threading

from django.test import SimpleTestCase, TestCase


def hang():
    if os.environ.get("DP_FIXTURE_HANG"):
        threading.Event().wait()


class HangsInSetUpClass(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        hang()

    def test_never_runs(self):
        pass


class HangsInSetUpTestData(TestCase):
    @classmethod
    def setUpTestData(cls):
        hang()

    def test_never_runs(self):
        pass


class HangsInTearDownClass(SimpleTestCase):
    @classmethod
    def tearDownClass(cls):
        hang()
        super().tearDownClass()

    def test_runs(self):
        pass
