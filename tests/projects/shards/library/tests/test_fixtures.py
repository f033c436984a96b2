"""Two classes under one module fixture, which fails when
DP_FAIL_MODULE_FIXTURE is set: a sharded run must report it once, as an
unsharded run does."""

import os
import unittest


def setUpModule():
    if os.environ.get("DP_FAIL_MODULE_FIXTURE"):
        raise RuntimeError("the module fixture failed")


class FirstFixtureTests(unittest.TestCase):
    def test_0(self):
        self.assertTrue(True)


class SecondFixtureTests(unittest.TestCase):
    def test_0(self):
        self.assertTrue(True)
