from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.test import TestCase, tag

from catalog.models import Category, PriceChange, Product, Tag
from utils.iterables import chunked, group_by
from utils.money import to_cents

from .factories import EPOCH, make_catalog

STOCK_VALUE = ExpressionWrapper(
    F("price") * F("stock"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def product_rows():
    """Products as plain named tuples, to recompute figures in Python."""
    return Product.objects.values_list(
        "pk", "category_id", "price", "stock", "active", "created_at", named=True
    )


@tag("slow", "db")
class CatalogReportTests(TestCase):
    """Reports over a catalog big enough to show real query cost."""

    @classmethod
    def setUpTestData(cls):
        cls.categories, _, _ = make_catalog(
            products=2500, categories=20, tags=30, seed=2024
        )

    def test_counts_per_category_query_by_query(self):
        groups = group_by(product_rows(), lambda row: row.category_id)
        for category in self.categories:
            mine = groups[category.pk]
            queryset = Product.objects.filter(category=category)
            self.assertEqual(queryset.count(), len(mine))
            self.assertEqual(
                queryset.active().count(), sum(1 for p in mine if p.active)
            )
            self.assertEqual(
                queryset.available().count(),
                sum(1 for p in mine if p.active and p.stock),
            )

    def test_tag_count_product_by_product(self):
        annotated = dict(
            Product.objects.with_tag_count().values_list("pk", "tag_count")
        )
        for product in Product.objects.all()[:1000]:
            self.assertEqual(product.tags.count(), annotated[product.pk])

    def test_stock_value_per_category(self):
        totals = dict(
            Product.objects.values_list("category_id")
            .annotate(value=Sum(STOCK_VALUE))
            .order_by()
        )
        for category in self.categories:
            expected = sum(
                (p.price * p.stock for p in Product.objects.filter(category=category)),
                Decimal("0"),
            )
            # SQLite sums decimals as floats: compare in whole cents.
            self.assertEqual(to_cents(totals[category.pk]), expected)

    def test_price_bands(self):
        bands = Product.objects.annotate(
            band=Case(
                When(price__lt=50, then=Value(0)),
                When(price__lt=200, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        counted = dict(bands.values_list("band").annotate(n=Count("pk")).order_by())
        expected = Counter(
            0 if p.price < 50 else 1 if p.price < 200 else 2 for p in product_rows()
        )
        self.assertEqual(counted, dict(expected))

    def test_most_used_tags(self):
        ranking = list(
            Tag.objects.annotate(uses=Count("products")).order_by("-uses", "name")[:5]
        )
        usage = Counter(Product.tags.through.objects.values_list("tag_id", flat=True))
        self.assertEqual([t.uses for t in ranking], [usage[t.pk] for t in ranking])
        self.assertEqual(ranking[0].uses, max(usage.values()))

    def test_new_products_per_month(self):
        months = (
            Product.objects.annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by("month")
        )
        expected = Counter(
            (p.created_at.year, p.created_at.month) for p in product_rows()
        )
        self.assertEqual(
            {(row["month"].year, row["month"].month): row["n"] for row in months},
            dict(expected),
        )

    def test_categories_with_premium_products(self):
        premium = Product.objects.filter(
            category=OuterRef("pk"), price__gte=490, active=True
        )
        found = set(
            Category.objects.filter(
                Exists(premium), slug__startswith="dept-"
            ).values_list("pk", flat=True)
        )
        expected = {
            p.category_id for p in product_rows() if p.price >= 490 and p.active
        }
        self.assertEqual(found, expected)

    def test_repricing_a_category_writes_history(self):
        category = self.categories[3]
        repriced = 0
        for product in Product.objects.filter(category=category, active=True):
            product.change_price(
                product.price + Decimal("1.00"), when=EPOCH + timedelta(days=400)
            )
            repriced += 1
        history = PriceChange.objects.filter(product__category=category)
        self.assertEqual(history.count(), repriced)
        deltas = set(PriceChange.objects.values_list("new_price", "old_price"))
        self.assertTrue(all(new - old == Decimal("1.00") for new, old in deltas))

    def test_streaming_in_chunks(self):
        seen = 0
        value = Decimal("0")
        rows = (
            Product.objects.order_by("pk")
            .values_list("price", "stock")
            .iterator(chunk_size=250)
        )
        for chunk in chunked(rows, 250):
            seen += len(chunk)
            value += sum(price * stock for price, stock in chunk)
        everything = list(product_rows())
        self.assertEqual(seen, len(everything))
        self.assertEqual(value, sum(p.price * p.stock for p in everything))

    def test_retiring_sold_out_products(self):
        expected = sum(1 for p in product_rows() if p.stock == 0 and p.active)
        retired = Product.objects.filter(stock=0, active=True).update(active=False)
        self.assertEqual(retired, expected)
        self.assertFalse(Product.objects.filter(Q(stock=0) & Q(active=True)).exists())
        for category in self.categories:
            sold_out = Product.objects.available().filter(category=category, stock=0)
            self.assertFalse(sold_out.exists())


@tag("slow", "db")
class TagCoverageTests(TestCase):
    """Cross-checks between the tag relation and its reverse, row by row."""

    @classmethod
    def setUpTestData(cls):
        cls.categories, cls.tags, _ = make_catalog(
            products=1200, categories=10, tags=25, seed=77
        )

    def test_reverse_relation_agrees(self):
        forward = defaultdict(set)
        for product in Product.objects.prefetch_related("tags"):
            for tag_row in product.tags.all():
                forward[tag_row.pk].add(product.pk)
        for tag_row in Tag.objects.all():
            tagged = set(tag_row.products.values_list("pk", flat=True))
            self.assertEqual(tagged, forward[tag_row.pk])

    def test_untagged_products(self):
        untagged = Product.objects.filter(tags__isnull=True)
        for product in untagged:
            self.assertFalse(product.tags.exists())
        tagged = Product.objects.filter(tags__isnull=False).distinct()
        self.assertEqual(untagged.count() + tagged.count(), Product.objects.count())

    def test_tag_pairs(self):
        # How often each pair of tags appears together, checked pair by pair.
        pairs = Counter()
        for product in Product.objects.prefetch_related("tags"):
            names = sorted(t.name for t in product.tags.all())
            for index, first in enumerate(names):
                for second in names[index + 1 :]:
                    pairs[first, second] += 1
        for (first, second), count in pairs.most_common(60):
            both = Product.objects.filter(tags__name=first).filter(tags__name=second)
            self.assertEqual(both.count(), count)

    def test_retagging(self):
        old, new = self.tags[0], self.tags[1]
        for product in old.products.all():
            product.tags.remove(old)
            product.tags.add(new)
        self.assertFalse(old.products.exists())

    def test_tags_per_category(self):
        for category in self.categories:
            names = set(
                Tag.objects.filter(products__category=category).values_list(
                    "name", flat=True
                )
            )
            products = Product.objects.filter(category=category)
            expected = {
                t.name for p in products.prefetch_related("tags") for t in p.tags.all()
            }
            self.assertEqual(names, expected)
