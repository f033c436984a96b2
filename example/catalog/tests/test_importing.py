from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.test import SimpleTestCase, TransactionTestCase, tag

from catalog.importing import import_products, parse_row
from catalog.models import Category, Product


def feed(count, start=0, category="Imported goods"):
    return [
        {
            "sku": f"imp-{index:05d}",
            "name": f"Imported item {index}",
            "category": category,
            "price": f"{5 + index % 90}.{index % 100:02d}",
            "stock": str(index % 13),
        }
        for index in range(start, start + count)
    ]


@tag("fast")
class ParseRowTests(SimpleTestCase):
    def test_normalises_fields(self):
        row = parse_row(
            {"sku": " ab-1 ", "name": " Kite ", "category": "Toys", "price": "3.5"}, 1
        )
        self.assertEqual(row["sku"], "AB-1")
        self.assertEqual(row["name"], "Kite")
        self.assertEqual(row["price"], Decimal("3.5"))
        self.assertEqual(row["stock"], 0)

    def test_missing_fields_named(self):
        with self.assertRaisesMessage(ValidationError, "line 4: missing sku, price"):
            parse_row({"name": "Kite", "category": "Toys"}, 4)

    def test_bad_prices(self):
        for price in ["free", "-2", "0"]:
            with self.subTest(price=price), self.assertRaises(ValidationError):
                parse_row({"sku": "A", "name": "B", "category": "C", "price": price}, 1)


@tag("db")
class ImportProductsTests(TransactionTestCase):
    """Real transactions: a rejected feed must leave nothing committed."""

    # Needed next to SerializedRollbackTests; see catalog.tests.test_migrations.
    serialized_rollback = True

    def test_import_creates_products_and_category(self):
        self.assertTrue(connection.get_autocommit())
        created, updated = import_products(feed(80))
        self.assertEqual((created, updated), (80, 0))
        self.assertEqual(Product.objects.count(), 80)
        self.assertEqual(
            Category.objects.get(slug="imported-goods").products.count(), 80
        )

    def test_reimport_updates(self):
        import_products(feed(60))
        changed = feed(60, start=30)
        for row in changed:
            row["price"] = "1.99"
        created, updated = import_products(changed)
        self.assertEqual((created, updated), (30, 30))
        self.assertEqual(Product.objects.count(), 90)
        self.assertEqual(Product.objects.filter(price=Decimal("1.99")).count(), 60)
        self.assertNotEqual(Product.objects.get(sku="IMP-00000").price, Decimal("1.99"))

    def test_bad_row_rejects_whole_feed(self):
        rows = feed(40)
        rows[25]["price"] = "lots"
        with self.assertRaisesMessage(ValidationError, "line 26: bad price 'lots'"):
            import_products(rows)
        self.assertFalse(Product.objects.exists())

    def test_database_error_mid_feed_rolls_back(self):
        import_products(feed(20))
        rows = feed(30, start=10)
        # parse_row lets negative stock through; the column's constraint is
        # the last line of defence and must undo the rows already written.
        rows[-1]["stock"] = "-3"
        with self.assertRaises((IntegrityError, DataError)):
            import_products(rows)
        self.assertEqual(Product.objects.count(), 20)
        self.assertEqual(Product.objects.get(sku="IMP-00015").stock, 15 % 13)

    def test_outer_rollback_discards_import(self):
        class Abort(Exception):
            pass

        with self.assertRaises(Abort), transaction.atomic():
            import_products(feed(30))
            self.assertEqual(Product.objects.count(), 30)
            raise Abort
        self.assertEqual(Product.objects.count(), 0)
