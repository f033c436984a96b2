"""Prints the rows serialized_rollback restored, for the cache tests."""

from django.test import TransactionTestCase

from scenarios.models import Note


class SerializedProbe(TransactionTestCase):
    serialized_rollback = True

    def test_print_restored_notes(self):
        for note in Note.objects.order_by("text"):
            print(f"RESTORED {note.text}")
