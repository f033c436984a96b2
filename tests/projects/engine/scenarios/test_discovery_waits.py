"""Discovery in the parent waits here until a worker process has imported
the settings: it returns only if workers boot while the tests are still
being discovered (spawn and forkserver). The workers themselves import this
module too, to unpickle their tests, and do not wait."""

import multiprocessing
import os
import time
from pathlib import Path

from django.test import SimpleTestCase

MARKS = os.environ.get("DP_WORKER_MARKS")
if MARKS and multiprocessing.parent_process() is None:
    deadline = time.monotonic() + 60
    while not any(Path(MARKS).iterdir()):
        if time.monotonic() > deadline:
            raise RuntimeError("no worker booted while the tests were discovered")
        time.sleep(0.05)


class BootedEarlyA(SimpleTestCase):
    def test_a(self):
        pass


class BootedEarlyB(SimpleTestCase):
    def test_b(self):
        pass
