"""A worker that dies in the middle of a class (3 tests: one passes, one
kills its process, one after it must still run)."""

import os
import signal

from django.test import TestCase


class CrashTests(TestCase):
    def test_1_before(self):
        pass

    def test_2_dies(self):
        how = os.environ.get("DP_CRASH", "exit")
        print("about to die", flush=True)
        if how == "exit":
            os._exit(3)
        elif how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == "segfault":
            import ctypes

            ctypes.string_at(0)

    def test_3_after(self):
        pass
