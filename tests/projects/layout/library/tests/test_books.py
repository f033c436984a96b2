from django.test import TestCase

from library.models import Book
from library.recording import RecordRun


class BookTests(RecordRun, TestCase):
    def test_create(self):
        Book.objects.create(title="Dune")
        self.assertEqual(Book.objects.count(), 1)

    def test_empty(self):
        self.assertEqual(Book.objects.count(), 0)
