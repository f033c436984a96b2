"""Output of tests, for --buffer and forwarding."""

import sys

from django.test import SimpleTestCase


class OutputTests(SimpleTestCase):
    def test_prints_and_passes(self):
        print("PASSING-STDOUT")
        sys.stderr.write("PASSING-STDERR\n")

    def test_prints_and_fails(self):
        print("FAILING-STDOUT")
        self.fail("fails after printing")
