from django.test import TestCase

from library.models import Book
from library.recording import RecordRun


class RareBookTests(RecordRun, TestCase):
    def test_rare_book_saved(self):
        Book.objects.create(title="Codex")
        self.assertEqual(Book.objects.get().title, "Codex")
