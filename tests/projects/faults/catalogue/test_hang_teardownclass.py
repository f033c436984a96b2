"""tearDownClass waits for ever, after its test passed."""

import threading

from django.test import SimpleTestCase


class HangInTearDownClass(SimpleTestCase):
    @classmethod
    def tearDownClass(cls):
        threading.Event().wait()
        super().tearDownClass()

    def test_passes(self):
        pass
