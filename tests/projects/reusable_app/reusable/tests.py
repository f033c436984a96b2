"""The reusable app's own tests: 3 pass."""

from django.contrib.auth.models import User
from django.test import SimpleTestCase, TestCase, TransactionTestCase

from reusable.models import Bookmark


class BookmarkTests(TestCase):
    def test_create(self):
        owner = User.objects.create(username="ann")
        Bookmark.objects.create(url="https://example.com/", owner=owner)
        self.assertEqual(owner.bookmark_set.count(), 1)


class BookmarkTransactionTests(TransactionTestCase):
    def test_starts_empty(self):
        self.assertEqual(Bookmark.objects.count(), 0)


class UrlTests(SimpleTestCase):
    def test_field_max_length(self):
        self.assertEqual(Bookmark._meta.get_field("url").max_length, 200)
