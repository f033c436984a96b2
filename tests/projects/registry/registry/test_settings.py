"""What launch.py and the project's runner changed in the settings before
the run reaches the test, whatever the start method (5 tests)."""

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


class TestEnvironmentTests(SimpleTestCase):
    def test_setting_changed_by_the_runner(self):
        self.assertEqual(
            settings.PASSWORD_HASHERS,
            ["django.contrib.auth.hashers.MD5PasswordHasher"],
        )

    def test_test_environment_set_up_once(self):
        self.assertEqual(settings.ALLOWED_HOSTS, ["testserver"])
