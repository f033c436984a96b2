"""Found only with -p check_*.py (or when named explicitly)."""

from django.test import SimpleTestCase

from library.recording import RecordRun


class InventoryCheckTests(RecordRun, SimpleTestCase):
    def test_inventory_one(self):
        pass

    def test_inventory_two(self):
        pass
