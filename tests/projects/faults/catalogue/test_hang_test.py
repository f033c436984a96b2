"""A test that waits for ever: only --timeout ends it."""

import threading

from django.test import SimpleTestCase


class HangInTest(SimpleTestCase):
    def test_1_before(self):
        pass

    def test_2_hangs(self):
        threading.Event().wait()

    def test_3_after(self):
        pass
