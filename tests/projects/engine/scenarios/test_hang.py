"""A test that never finishes on its own."""

import time

from django.test import SimpleTestCase


class HangTests(SimpleTestCase):
    def test_hangs(self):
        while True:
            time.sleep(0.1)

    def test_after_hang(self):
        pass
