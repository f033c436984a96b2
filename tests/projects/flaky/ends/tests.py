"""Tests that end their worker when asked (for a run with --timeout): one
exits at once when DP_FLAKY_CRASH is set, one waits for ever when
DP_FLAKY_HANG is set, one waits for ever alone when DP_FLAKY_PARTNER is."""

import os
import threading

from django.test import SimpleTestCase


class CrashTests(SimpleTestCase):
    def test_crashes(self):
        if os.environ.get("DP_FLAKY_CRASH"):
            os._exit(3)


class HangTests(SimpleTestCase):
    def test_hangs(self):
        if os.environ.get("DP_FLAKY_HANG"):
            threading.Event().wait()


# Set by PartnerTests.test_a_gives, in its process.
GIVEN = threading.Event()


class PartnerTests(SimpleTestCase):
    """When DP_FLAKY_PARTNER is set, test_b fails after test_a ran, and
    alone waits for ever for what test_a gives."""

    def test_a_gives(self):
        GIVEN.set()

    def test_b_needs_what_a_gave(self):
        if os.environ.get("DP_FLAKY_PARTNER"):
            GIVEN.wait()
            self.fail("test_a ran before: fails; alone: waits for ever")
