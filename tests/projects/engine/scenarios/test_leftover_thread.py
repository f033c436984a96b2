"""A test that leaves a thread running that never ends and is not a
daemon (with DP_LEAVE_THREAD): the worker that ran it cannot exit when it
is told to, since the interpreter waits for that thread first."""

import os
import threading

from django.test import SimpleTestCase


class LeavesThreadRunning(SimpleTestCase):
    def test_starts_a_thread(self):
        if os.environ.get("DP_LEAVE_THREAD"):
            threading.Thread(target=threading.Event().wait, name="left-running").start()

    def test_after_it(self):
        pass
