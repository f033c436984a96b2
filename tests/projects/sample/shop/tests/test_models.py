from django.db.models import Sum
from django.test import TestCase, tag

from shop.models import Category, Item


class ItemQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        books = Category.objects.get(name="books")
        Item.objects.bulk_create(
            Item(name=f"item{i}", price=i, category=books) for i in range(1, 21)
        )

    def test_count(self):
        self.assertEqual(Item.objects.count(), 20)

    def test_total(self):
        self.assertEqual(Item.objects.aggregate(total=Sum("price"))["total"], 210)

    @tag("fast")
    def test_filter(self):
        self.assertEqual(Item.objects.filter(price__gt=10).count(), 10)

    def test_isolation(self):
        Item.objects.all().delete()
        self.assertEqual(Item.objects.count(), 0)


@tag("slow")
class CategoryTests(TestCase):
    def test_defaults_from_data_migration(self):
        self.assertEqual(
            sorted(Category.objects.values_list("name", flat=True)),
            ["books", "games", "tools"],
        )

    @tag("fast")
    def test_create(self):
        Category.objects.create(name="music")
        self.assertEqual(Category.objects.count(), 4)
