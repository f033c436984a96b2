"""Each worker process has run the system checks once, as a serial run
has: forked after the parent ran them, or running them itself (2 tests)."""

from django.test import SimpleTestCase

from scenarios import hooks


class ChecksRanTests(SimpleTestCase):
    def test_once_in_this_process(self):
        self.assertEqual(hooks.checks_run, 1)


class ChecksRanAgainTests(SimpleTestCase):
    def test_once_in_this_process(self):
        self.assertEqual(hooks.checks_run, 1)
