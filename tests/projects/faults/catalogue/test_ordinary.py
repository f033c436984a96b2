"""Tests that pass: whatever the faults do, each of these must be reported."""

from django.test import SimpleTestCase, TestCase, TransactionTestCase

from catalogue.models import Item


class OrdinaryTestCase(TestCase):
    def test_create(self):
        Item.objects.create(name="a")
        self.assertEqual(Item.objects.count(), 1)

    def test_empty(self):
        self.assertEqual(Item.objects.count(), 0)

    def test_update(self):
        item = Item.objects.create(name="a")
        Item.objects.filter(pk=item.pk).update(name="b")
        self.assertEqual(Item.objects.get().name, "b")


class OrdinaryTestData(TestCase):
    @classmethod
    def setUpTestData(cls):
        Item.objects.create(name="shared")

    def test_sees_shared(self):
        self.assertEqual(Item.objects.get().name, "shared")

    def test_deletes_shared(self):
        Item.objects.all().delete()
        self.assertEqual(Item.objects.count(), 0)

    def test_shared_is_back(self):
        self.assertEqual(Item.objects.count(), 1)


class OrdinarySimple(SimpleTestCase):
    def test_one(self):
        self.assertEqual(1 + 1, 2)

    def test_two(self):
        self.assertIn("a", "abc")

    def test_three(self):
        self.assertTrue(True)


class OrdinaryTransaction(TransactionTestCase):
    def test_commits(self):
        Item.objects.create(name="committed")
        self.assertEqual(Item.objects.count(), 1)

    def test_flushed(self):
        self.assertEqual(Item.objects.count(), 0)
