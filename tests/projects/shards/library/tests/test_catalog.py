"""TestCase classes, each starting from an empty table."""

from django.test import TestCase

from library.models import Book


class ShelfTests(TestCase):
    def test_0(self):
        Book.objects.create(title="ShelfTests 0")
        self.assertEqual(Book.objects.count(), 1)

    def test_1(self):
        Book.objects.create(title="ShelfTests 1")
        self.assertEqual(Book.objects.count(), 1)

    def test_2(self):
        Book.objects.create(title="ShelfTests 2")
        self.assertEqual(Book.objects.count(), 1)


class LoanTests(TestCase):
    def test_0(self):
        Book.objects.create(title="LoanTests 0")
        self.assertEqual(Book.objects.count(), 1)

    def test_1(self):
        Book.objects.create(title="LoanTests 1")
        self.assertEqual(Book.objects.count(), 1)


class AuthorTests(TestCase):
    def test_0(self):
        Book.objects.create(title="AuthorTests 0")
        self.assertEqual(Book.objects.count(), 1)

    def test_1(self):
        Book.objects.create(title="AuthorTests 1")
        self.assertEqual(Book.objects.count(), 1)

    def test_2(self):
        Book.objects.create(title="AuthorTests 2")
        self.assertEqual(Book.objects.count(), 1)

    def test_3(self):
        Book.objects.create(title="AuthorTests 3")
        self.assertEqual(Book.objects.count(), 1)


class GenreTests(TestCase):
    def test_0(self):
        Book.objects.create(title="GenreTests 0")
        self.assertEqual(Book.objects.count(), 1)


class IsbnTests(TestCase):
    def test_0(self):
        Book.objects.create(title="IsbnTests 0")
        self.assertEqual(Book.objects.count(), 1)

    def test_1(self):
        Book.objects.create(title="IsbnTests 1")
        self.assertEqual(Book.objects.count(), 1)
