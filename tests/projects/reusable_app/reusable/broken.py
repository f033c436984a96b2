"""Selected only by name (it does not match test*.py): 1 fails."""

from django.test import SimpleTestCase


class BrokenTests(SimpleTestCase):
    def test_fails(self):
        self.fail("fails on purpose")
