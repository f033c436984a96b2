"""Selected only by name (it does not match test*.py): 1 passes, 2 fail."""

from django.test import SimpleTestCase


class FailingTests(SimpleTestCase):
    def test_passes(self):
        pass

    def test_fails(self):
        self.fail("fails on purpose")

    def test_fails_too(self):
        self.assertEqual(1, 2)
