"""2 pass."""

from django.test import SimpleTestCase, TestCase

from contract_app.models import Note


class NoteTests(TestCase):
    def test_create(self):
        Note.objects.create(text="hello")
        self.assertEqual(Note.objects.count(), 1)


class PlainTests(SimpleTestCase):
    def test_truth(self):
        self.assertTrue(True)
