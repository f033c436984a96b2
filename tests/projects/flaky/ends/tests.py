"""Tests that end their worker when asked: one exits at once when
DP_FLAKY_CRASH is set, one waits for ever when DP_FLAKY_HANG is set (for
a run with --timeout)."""

import os
import threading

from django.test import SimpleTestCase


class CrashTests(SimpleTestCase):
    def test_crashes(self):
        if os.environ.get("DP_FLAKY_CRASH"):
            os._exit(3)


class HangTests(SimpleTestCase):
    def test_hangs(self):
        if os.environ.get("DP_FLAKY_HANG"):
            threading.Event().wait()
