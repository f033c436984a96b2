"""A module fixture that never ends (with DP_FIXTURE_HANG), for --timeout."""

from django.test import SimpleTestCase

from scenarios.test_fixture_hang import hang


def setUpModule():
    hang()


class InAHangingModule(SimpleTestCase):
    def test_never_runs(self):
        pass
