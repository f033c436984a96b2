"""A test that never finishes on its own."""

import os
import time

from django.test import SimpleTestCase


class HangTests(SimpleTestCase):
    def test_hangs(self):
        if os.environ.get("DP_TEST_HANG_READY"):
            print("HANGING", flush=True)
        while True:
            time.sleep(0.1)

    def test_after_hang(self):
        pass
