"""Tests that report what the runner set up, one "PROBE ..." line each."""

from django.conf import settings
from django.test import SimpleTestCase


class DebugProbeTests(SimpleTestCase):
    def test_reports_debug(self):
        print(f"PROBE DEBUG={settings.DEBUG}")
