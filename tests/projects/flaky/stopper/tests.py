"""A test that presses Ctrl-C on its own run (in a serial run) when
DP_FLAKY_INTERRUPT is set."""

import os
import signal

from django.test import SimpleTestCase


class StopTests(SimpleTestCase):
    def test_interrupts_the_run(self):
        if os.environ.get("DP_FLAKY_INTERRUPT"):
            os.kill(os.getpid(), signal.SIGINT)
