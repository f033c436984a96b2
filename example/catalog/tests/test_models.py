from collections import Counter
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max, Min, ProtectedError, Sum
from django.test import TestCase, tag

from catalog.models import Category, PriceChange, Product

from .factories import make_catalog, make_categories, make_products


class CategoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = Category.objects.create(name="Home", slug="home")
        cls.kitchen = Category.objects.create(
            name="Kitchen", slug="kitchen", parent=cls.home
        )
        cls.knives = Category.objects.create(
            name="Knives", slug="knives", parent=cls.kitchen
        )
        cls.lighting = Category.objects.create(
            name="Lighting", slug="lighting", parent=cls.home
        )

    def test_str_is_name(self):
        self.assertEqual(str(self.kitchen), "Kitchen")

    def test_ancestors_nearest_first(self):
        self.assertEqual(self.knives.ancestors(), [self.kitchen, self.home])
        self.assertEqual(self.home.ancestors(), [])

    def test_children_ordered_by_name(self):
        names = list(self.home.children.values_list("name", flat=True))
        self.assertEqual(names, ["Kitchen", "Lighting"])

    def test_duplicate_slug_is_rejected(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Category.objects.create(name="Other kitchen", slug="kitchen")

    def test_deleting_parent_deletes_subtree(self):
        self.kitchen.delete()
        self.assertFalse(
            Category.objects.filter(slug__in=["kitchen", "knives"]).exists()
        )
        self.assertTrue(Category.objects.filter(slug="lighting").exists())

    def test_category_with_products_is_protected(self):
        make_products([self.lighting], 3, sku_prefix="LGT")
        with self.assertRaises(ProtectedError):
            self.lighting.delete()


@tag("db")
class ProductQuerySetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.categories, cls.tags, cls.products = make_catalog(products=300, seed=11)

    def test_active_matches_flags(self):
        expected = sum(1 for product in self.products if product.active)
        self.assertEqual(Product.objects.active().count(), expected)

    def test_in_stock_excludes_sold_out(self):
        expected = {p.pk for p in self.products if p.stock > 0}
        self.assertEqual(
            set(Product.objects.in_stock().values_list("pk", flat=True)), expected
        )

    def test_available_is_active_and_in_stock(self):
        for product in Product.objects.available():
            self.assertTrue(product.active)
            self.assertTrue(product.in_stock)

    def test_price_between(self):
        bounds = [
            (None, None),
            (Decimal("10"), None),
            (None, Decimal("50")),
            (Decimal("100"), Decimal("250.50")),
        ]
        for low, high in bounds:
            with self.subTest(low=low, high=high):
                expected = [
                    p.pk
                    for p in self.products
                    if (low is None or p.price >= low)
                    and (high is None or p.price <= high)
                ]
                found = Product.objects.price_between(low, high).values_list(
                    "pk", flat=True
                )
                self.assertEqual(sorted(found), sorted(expected))

    def test_with_tag_count(self):
        counts = Counter(
            Product.tags.through.objects.values_list("product_id", flat=True)
        )
        for product in Product.objects.with_tag_count():
            self.assertEqual(product.tag_count, counts.get(product.pk, 0))

    def test_search_by_name_and_sku(self):
        lamps = Product.objects.search("lamp")
        self.assertTrue(lamps.exists())
        self.assertTrue(all("lamp" in p.name.lower() for p in lamps))
        self.assertEqual(
            list(Product.objects.search("prd-00007")),
            [Product.objects.get(sku="PRD-00007")],
        )

    def test_restock_adds_in_sql(self):
        sold_out = Product.objects.filter(stock=0)
        pks = list(sold_out.values_list("pk", flat=True))
        self.assertEqual(Product.objects.filter(pk__in=pks).restock(5), len(pks))
        self.assertEqual(
            set(Product.objects.filter(pk__in=pks).values_list("stock", flat=True)), {5}
        )

    def test_aggregates_per_category(self):
        # order_by() keeps Meta.ordering out of the GROUP BY (Django 3.2
        # still adds it there).
        rows = (
            Product.objects.values("category__slug")
            .annotate(
                n=Count("pk"), low=Min("price"), high=Max("price"), units=Sum("stock")
            )
            .order_by()
        )
        by_slug = {row["category__slug"]: row for row in rows}
        for category in self.categories:
            mine = [p for p in self.products if p.category_id == category.pk]
            with self.subTest(category=category.slug):
                row = by_slug[category.slug]
                self.assertEqual(row["n"], len(mine))
                self.assertEqual(row["low"], min(p.price for p in mine))
                self.assertEqual(row["high"], max(p.price for p in mine))
                self.assertEqual(row["units"], sum(p.stock for p in mine))

    def test_average_price(self):
        average = Product.objects.aggregate(avg=Avg("price"))["avg"]
        expected = sum(p.price for p in self.products) / len(self.products)
        self.assertAlmostEqual(float(average), float(expected), places=2)

    def test_select_related_avoids_extra_queries(self):
        with self.assertNumQueries(1):
            names = [
                p.category.name for p in Product.objects.select_related("category")
            ]
        self.assertEqual(len(names), len(self.products))

    def test_prefetch_tags_uses_two_queries(self):
        with self.assertNumQueries(2):
            tagged = {
                p.sku: len(p.tags.all())
                for p in Product.objects.prefetch_related("tags")
            }
        self.assertEqual(len(tagged), len(self.products))

    def test_bulk_update_prices(self):
        cheap = list(Product.objects.filter(price__lt=20))
        for product in cheap:
            product.price += 1
        Product.objects.bulk_update(cheap, ["price"], batch_size=100)
        for product in cheap:
            self.assertEqual(Product.objects.get(pk=product.pk).price, product.price)


class PriceChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.category = make_categories(1, prefix="price")[0]
        cls.product = make_products([cls.category], 1, sku_prefix="PRC")[0]

    def test_change_records_history(self):
        old = self.product.price
        change = self.product.change_price("12.34")
        self.assertEqual(change.old_price, old)
        self.assertEqual(change.new_price, Decimal("12.34"))
        self.product.refresh_from_db()
        self.assertEqual(self.product.price, Decimal("12.34"))

    def test_delta(self):
        self.product.change_price("10.00")
        change = self.product.change_price("12.50")
        self.assertEqual(change.delta, Decimal("2.50"))

    def test_non_positive_price_rejected_without_history(self):
        for bad in ["0", "-1.00"]:
            with self.subTest(price=bad), self.assertRaises(ValueError):
                self.product.change_price(bad)
        self.assertFalse(PriceChange.objects.exists())

    def test_history_is_chronological(self):
        for price in ["5.00", "6.00", "4.50", "7.25"]:
            self.product.change_price(price)
        prices = list(self.product.price_changes.values_list("new_price", flat=True))
        self.assertEqual(prices, [Decimal(p) for p in ["5.00", "6.00", "4.50", "7.25"]])

    def test_history_deleted_with_product(self):
        self.product.change_price("9.99")
        self.product.delete()
        self.assertFalse(PriceChange.objects.exists())

    def test_setup_data_is_isolated_between_tests(self):
        # The other tests change the price; each must start from the original.
        self.assertEqual(
            Product.objects.get(pk=self.product.pk).price, self.product.price
        )
        self.assertEqual(PriceChange.objects.count(), 0)
