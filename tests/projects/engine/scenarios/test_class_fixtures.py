"""Class fixtures that skip the class, or kill the worker running it."""

import os
import unittest

from django.test import SimpleTestCase


class SkippedInSetUpClass(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        raise unittest.SkipTest("skipped in setUpClass")

    def test_never_runs(self):
        pass


class DiesInSetUpClass(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if os.environ.get("DP_DIE_IN_SETUPCLASS"):
            os._exit(4)

    def test_runs_unless_the_fixture_kills(self):
        pass
