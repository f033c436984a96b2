"""What launch.py changed in the settings before the run reaches the test,
whatever the start method (3 tests)."""

import os

from django.conf import settings
from django.test import SimpleTestCase


class ChangedInPlaceTests(SimpleTestCase):
    def test_list_appended_to(self):
        self.assertEqual(settings.MIDDLEWARE[-1], "registry.middleware.Marker")

    def test_dict_item_set(self):
        self.assertEqual(settings.REGISTRY_OPTIONS, {"mode": "changed"})

    def test_setting_that_cannot_be_pickled(self):
        if not os.environ.get("DP_UNPICKLABLE_SETTING"):
            self.skipTest("set only with DP_UNPICKLABLE_SETTING")
        self.assertTrue(callable(settings.RUN_TIME_LOCK.acquire))
