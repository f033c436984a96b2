"""Prints what the test database holds, for the migrated-database cache tests."""

from django.test import TestCase

from scenarios.models import Note


class NoteProbe(TestCase):
    def test_print_notes(self):
        for note in Note.objects.order_by("text"):
            print(f"NOTE {note.text}")
