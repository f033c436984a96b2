"""3 pass."""

from django.apps import apps
from django.test import SimpleTestCase, TestCase

from contract_app.models import Note

# Taken when the module is imported, as Django's migrate_signals tests take
# theirs to connect signal receivers to.
APP_CONFIG = apps.get_app_config("contract_app")


class NoteTests(TestCase):
    def test_create(self):
        Note.objects.create(text="hello")
        self.assertEqual(Note.objects.count(), 1)


class PlainTests(SimpleTestCase):
    def test_truth(self):
        self.assertTrue(True)


class RegistryTests(SimpleTestCase):
    def test_the_app_config_is_the_one_taken_at_import(self):
        self.assertIs(apps.get_app_config("contract_app"), APP_CONFIG)
