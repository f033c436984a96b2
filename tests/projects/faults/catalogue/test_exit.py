"""os._exit in a test, with a non-zero and with a zero status."""

import os

from django.test import TestCase

from catalogue.models import Item


class ExitFault(TestCase):
    def test_1_before(self):
        Item.objects.create(name="before")

    def test_2_exits(self):
        print("about to os._exit(3)", flush=True)
        os._exit(3)

    def test_3_after(self):
        self.assertEqual(Item.objects.count(), 0)


class ExitZeroFault(TestCase):
    # Status 0 in the middle of a test is still a death, not a clean close.
    def test_exits_zero(self):
        os._exit(0)
