from decimal import Decimal

from django.db import IntegrityError, transaction
from django.test import TestCase, TransactionTestCase, tag

from catalog.models import Category, PriceChange, Product
from orders.models import AuditEntry, Customer, Order


@tag("multidb")
class OtherDatabaseTests(TestCase):
    databases = {"default", "other"}

    @classmethod
    def setUpTestData(cls):
        cls.archived = Customer.objects.using("other").create(
            name="Archived", email="archived@example.com", city="Oslo"
        )

    def test_rows_stay_in_their_database(self):
        self.assertTrue(
            Customer.objects.using("other")
            .filter(email="archived@example.com")
            .exists()
        )
        self.assertFalse(Customer.objects.filter(email="archived@example.com").exists())

    def test_same_email_in_both_databases(self):
        Customer.objects.create(name="Live", email="archived@example.com")
        self.assertEqual(
            Customer.objects.get(email="archived@example.com").name, "Live"
        )
        self.assertEqual(
            Customer.objects.using("other").get(email="archived@example.com").name,
            "Archived",
        )

    def test_signal_writes_audit_to_the_same_database(self):
        Order.objects.using("other").create(customer=self.archived)
        self.assertEqual(
            AuditEntry.objects.using("other").filter(action="created").count(), 1
        )
        self.assertFalse(AuditEntry.objects.exists())

    def test_price_change_follows_the_product_database(self):
        category = Category.objects.using("other").create(
            name="Archive", slug="archive"
        )
        product = Product.objects.using("other").create(
            category=category,
            name="Old map",
            slug="old-map",
            sku="MAP-0001",
            price=Decimal("3.00"),
        )
        product.change_price("4.00")
        self.assertEqual(PriceChange.objects.using("other").count(), 1)
        self.assertFalse(PriceChange.objects.exists())

    def test_migrations_ran_on_other(self):
        self.assertTrue(Category.objects.using("other").filter(slug="books").exists())


@tag("multidb", "db")
class ReplicaMirrorTests(TransactionTestCase):
    """The replica alias mirrors default: committed writes are readable there."""

    # Needed next to SerializedRollbackTests; see catalog.tests.test_migrations.
    serialized_rollback = True

    databases = {"default", "replica"}

    def test_committed_write_visible_on_replica(self):
        Customer.objects.create(name="Mirrored", email="mirror@example.com")
        self.assertEqual(
            Customer.objects.using("replica").get(email="mirror@example.com").name,
            "Mirrored",
        )

    def test_replica_sees_bulk_insert(self):
        Customer.objects.bulk_create(
            Customer(name=f"Bulk {n}", email=f"bulk{n}@example.com") for n in range(25)
        )
        self.assertEqual(Customer.objects.using("replica").count(), 25)


@tag("multidb")
class OtherDatabaseTransactionTests(TransactionTestCase):
    """Real transactions on "other" alone; no serialized test relies on it."""

    databases = {"other"}

    def test_rollback_on_other(self):
        with self.assertRaises(IntegrityError), transaction.atomic(using="other"):
            Customer.objects.using("other").create(name="A", email="dup@example.com")
            Customer.objects.using("other").create(name="B", email="dup@example.com")
        self.assertFalse(Customer.objects.using("other").exists())

    def test_on_commit_is_per_database(self):
        fired = []
        with transaction.atomic(using="other"):
            Customer.objects.using("other").create(name="C", email="c@example.com")
            transaction.on_commit(lambda: fired.append("other"), using="other")
            self.assertEqual(fired, [])
        self.assertEqual(fired, ["other"])

    def test_default_is_off_limits(self):
        with self.assertRaises(AssertionError):
            Customer.objects.count()
