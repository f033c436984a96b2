"""Tests that stop their run when asked: one presses Ctrl-C on its own
run (a serial one) when DP_FLAKY_INTERRUPT is set, one's class fixture
fails when DP_FLAKY_FIXTURE is set."""

import os
import signal

from django.test import SimpleTestCase


class StopTests(SimpleTestCase):
    def test_interrupts_the_run(self):
        if os.environ.get("DP_FLAKY_INTERRUPT"):
            os.kill(os.getpid(), signal.SIGINT)


class FixtureTests(SimpleTestCase):
    """A class fixture that fails when DP_FLAKY_FIXTURE is set."""

    @classmethod
    def setUpClass(cls):
        if os.environ.get("DP_FLAKY_FIXTURE"):
            raise RuntimeError("the class fixture failed")
        super().setUpClass()

    def test_needs_its_fixture(self):
        pass
