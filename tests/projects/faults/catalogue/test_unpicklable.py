"""An exception that cannot be pickled (it holds a lock)."""

import threading

from django.test import SimpleTestCase


class LockedError(Exception):
    def __init__(self):
        super().__init__("catalogue error holding a lock")
        self.lock = threading.Lock()


class UnpicklableFault(SimpleTestCase):
    def test_1_raises_unpicklable(self):
        raise LockedError()

    def test_2_after(self):
        pass
