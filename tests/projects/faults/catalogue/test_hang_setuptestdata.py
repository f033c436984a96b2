"""setUpTestData waits for ever (inside TestCase.setUpClass's transaction)."""

import threading

from django.test import TestCase

from catalogue.models import Item


class HangInSetUpTestData(TestCase):
    @classmethod
    def setUpTestData(cls):
        Item.objects.create(name="half-made")
        threading.Event().wait()

    def test_never_runs(self):
        pass
