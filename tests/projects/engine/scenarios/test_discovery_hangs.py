"""Discovery in the parent stops here, once a worker has booted, until the
run is interrupted: for Ctrl-C while the tests are being discovered."""

import multiprocessing
import os
import time
from pathlib import Path

from django.test import SimpleTestCase

MARKS = os.environ.get("DP_WORKER_MARKS")
if MARKS and multiprocessing.parent_process() is None:
    deadline = time.monotonic() + 60
    while not any(Path(MARKS).iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    print("DISCOVERING", flush=True)
    time.sleep(60)


class NeverRunA(SimpleTestCase):
    def test_a(self):
        pass


class NeverRunB(SimpleTestCase):
    def test_b(self):
        pass
