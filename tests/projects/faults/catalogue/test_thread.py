"""A test that leaves a non-daemon thread running: the process running it
cannot exit normally afterwards."""

import threading

from django.test import SimpleTestCase


class LeftThreadFault(SimpleTestCase):
    def test_leaves_a_thread(self):
        threading.Thread(
            target=threading.Event().wait, name="left-by-catalogue"
        ).start()
