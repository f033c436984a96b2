"""setUpClass waits for ever. One test, so that a serial run, which counts
the class's error instead of its test, and a parallel run agree."""

import threading

from django.test import SimpleTestCase


class HangInSetUpClass(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        threading.Event().wait()

    def test_never_runs(self):
        pass
