"""A test that never finishes on its own (or, with DP_TEST_HANG_SECONDS,
passes after that long)."""

import os
import time

from django.test import SimpleTestCase


class HangTests(SimpleTestCase):
    def test_hangs(self):
        if os.environ.get("DP_TEST_HANG_READY"):
            print("HANGING", flush=True)
        seconds = float(os.environ.get("DP_TEST_HANG_SECONDS", "inf"))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.1)

    def test_after_hang(self):
        pass
