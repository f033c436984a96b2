"""Found only with -p check_*.py (or when named explicitly)."""

from django.test import SimpleTestCase

from library.recording import RecordRun


class RareCheckTests(RecordRun, SimpleTestCase):
    def test_rare_check(self):
        pass
