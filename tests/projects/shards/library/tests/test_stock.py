"""TransactionTestCase classes (flushed after each test)."""

from django.test import TransactionTestCase

from library.models import Book


class StockTests(TransactionTestCase):
    def test_0(self):
        Book.objects.create(title="StockTests 0")
        self.assertEqual(Book.objects.count(), 1)

    def test_1(self):
        Book.objects.create(title="StockTests 1")
        self.assertEqual(Book.objects.count(), 1)


class OrderTests(TransactionTestCase):
    def test_0(self):
        Book.objects.create(title="OrderTests 0")
        self.assertEqual(Book.objects.count(), 1)

    def test_1(self):
        Book.objects.create(title="OrderTests 1")
        self.assertEqual(Book.objects.count(), 1)

    def test_2(self):
        Book.objects.create(title="OrderTests 2")
        self.assertEqual(Book.objects.count(), 1)


class ReturnTests(TransactionTestCase):
    def test_0(self):
        Book.objects.create(title="ReturnTests 0")
        self.assertEqual(Book.objects.count(), 1)
