"""tearDownModule waits for ever, after the module's test passed."""

import threading

from django.test import SimpleTestCase


def tearDownModule():
    threading.Event().wait()


class BeforeHungModuleTearDown(SimpleTestCase):
    def test_passes(self):
        pass
