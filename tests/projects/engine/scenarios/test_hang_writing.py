"""A test that writes a row and then never finishes: its worker holds a
transaction (on SQLite, a journal beside its clone) when the run ends it."""

import os
import threading

from django.test import TestCase

from scenarios.models import Note


class HangWritingTests(TestCase):
    def test_writes_and_hangs(self):
        Note.objects.create(text="written before the hang")
        if os.environ.get("DP_TEST_HANG_READY"):
            print("HANGING", flush=True)
        threading.Event().wait()
