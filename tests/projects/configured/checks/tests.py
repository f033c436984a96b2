from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import SimpleTestCase, TestCase


class RuntimeSettingTests(SimpleTestCase):
    def test_setting_changed_by_the_script_reaches_the_worker(self):
        self.assertEqual(settings.CHANGED_AT_RUN_TIME, "changed")


class DatabaseTests(TestCase):
    def test_migrated_tables_exist(self):
        self.assertTrue(ContentType.objects.exists())
