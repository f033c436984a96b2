"""setUpModule waits for ever."""

import threading

from django.test import SimpleTestCase


def setUpModule():
    threading.Event().wait()


class AfterHungModuleSetUp(SimpleTestCase):
    def test_never_runs(self):
        pass
