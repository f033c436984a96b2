from django.core import mail
from django.db import transaction
from django.test import TestCase, TransactionTestCase, skipUnlessDBFeature, tag

from catalog.models import Product
from catalog.tests.factories import make_categories, make_products
from orders.models import AuditEntry, LineItem, Order
from orders.services import OutOfStock, cancel_order, confirm_order, place_order

from .factories import make_customers


class PlaceOrderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        categories = make_categories(2, prefix="svc")
        cls.products = make_products(categories, 12, seed=9, sku_prefix="SVC")
        Product.objects.filter(sku__startswith="SVC-").update(stock=10)
        cls.customer = make_customers(1, prefix="svc")[0]

    def stock(self, product):
        return Product.objects.get(pk=product.pk).stock

    def test_creates_lines_and_takes_stock(self):
        first, second = self.products[:2]
        order = place_order(self.customer, [(first, 3), (second, 1)])
        self.assertEqual(order.lines.count(), 2)
        self.assertEqual(self.stock(first), 7)
        self.assertEqual(self.stock(second), 9)
        self.assertEqual(order.total(), 3 * first.price + second.price)

    def test_out_of_stock_saves_nothing(self):
        orders_before = Order.objects.count()
        with self.assertRaises(OutOfStock) as caught:
            place_order(self.customer, [(self.products[0], 2), (self.products[1], 11)])
        self.assertEqual(caught.exception.requested, 11)
        self.assertEqual(Order.objects.count(), orders_before)
        self.assertEqual(self.stock(self.products[0]), 10)
        self.assertFalse(LineItem.objects.exists())

    def test_confirmation_waits_for_commit(self):
        with self.captureOnCommitCallbacks() as callbacks:
            order = place_order(self.customer, [(self.products[0], 1)])
        self.assertEqual(len(callbacks), 1)
        self.assertIsNone(Order.objects.get(pk=order.pk).confirmed_at)
        self.assertEqual(mail.outbox, [])

    @tag("email")
    def test_confirmation_and_nested_email_both_run(self):
        # confirm_order registers the email in its own on_commit callback,
        # so this needs callbacks registered by callbacks to run as well.
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            order = place_order(self.customer, [(self.products[2], 2)])
        self.assertEqual(len(callbacks), 2)
        self.assertIsNotNone(Order.objects.get(pk=order.pk).confirmed_at)
        self.assertTrue(
            AuditEntry.objects.filter(order=order, action="confirmed").exists()
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [self.customer.email])
        self.assertEqual(mail.outbox[0].subject, f"Your order #{order.pk}")

    @tag("email")
    def test_email_mentions_total(self):
        order = place_order(self.customer, [(self.products[3], 2)])
        with self.captureOnCommitCallbacks(execute=True):
            confirm_order(order.pk)
        self.assertIn(str(order.total()), mail.outbox[0].body)

    def test_logs_placement(self):
        with self.assertLogs("example", level="INFO") as logs:
            order = place_order(self.customer, [(self.products[4], 1)])
        self.assertEqual(
            logs.output,
            [f"INFO:example.orders:order {order.pk} placed for {self.customer.email}"],
        )

    def test_cancel_puts_stock_back(self):
        order = place_order(
            self.customer, [(self.products[5], 4), (self.products[6], 2)]
        )
        order.move_to(Order.PAID)
        with self.assertLogs("example.orders", level="INFO"):
            cancel_order(order)
        self.assertEqual(self.stock(self.products[5]), 10)
        self.assertEqual(self.stock(self.products[6]), 10)
        self.assertEqual(Order.objects.get(pk=order.pk).status, Order.CANCELLED)

    def test_shipped_order_cannot_be_cancelled(self):
        order = place_order(self.customer, [(self.products[7], 1)])
        order.move_to(Order.PAID)
        order.move_to(Order.SHIPPED)
        with self.assertRaises(ValueError):
            cancel_order(order)
        # The failed cancellation must not have restocked anything.
        self.assertEqual(self.stock(self.products[7]), 9)


@skipUnlessDBFeature("has_select_for_update")
class RowLockingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.products = make_products(
            make_categories(1, prefix="lock"), 3, sku_prefix="LCK"
        )

    def test_lock_inside_transaction(self):
        with transaction.atomic():
            locked = list(
                Product.objects.select_for_update().filter(sku__startswith="LCK-")
            )
        self.assertEqual(len(locked), 3)

    @skipUnlessDBFeature("has_select_for_update_skip_locked")
    def test_skip_locked_sees_unlocked_rows(self):
        with transaction.atomic():
            rows = Product.objects.select_for_update(skip_locked=True).filter(
                sku="LCK-00001"
            )
            self.assertEqual([p.sku for p in rows], ["LCK-00001"])


@tag("db", "email")
class CommitBehaviourTests(TransactionTestCase):
    """Without TestCase's wrapping transaction, on_commit fires for real."""

    # Needed next to SerializedRollbackTests; see catalog.tests.test_migrations.
    serialized_rollback = True

    def setUp(self):
        categories = make_categories(1, prefix="commit")
        self.products = make_products(categories, 5, seed=1, sku_prefix="CMT")
        Product.objects.update(stock=5)
        self.customer = make_customers(1, prefix="commit")[0]

    def test_commit_sends_email(self):
        order = place_order(self.customer, [(self.products[0], 1)])
        self.assertEqual(len(mail.outbox), 1)
        self.assertIsNotNone(Order.objects.get(pk=order.pk).confirmed_at)

    def test_failed_order_sends_nothing(self):
        with self.assertRaises(OutOfStock):
            place_order(self.customer, [(self.products[0], 6)])
        self.assertEqual(mail.outbox, [])
        self.assertFalse(AuditEntry.objects.exists())

    def test_outer_rollback_cancels_email(self):
        class ChangedMind(Exception):
            pass

        with self.assertRaises(ChangedMind), transaction.atomic():
            place_order(self.customer, [(self.products[1], 2)])
            raise ChangedMind
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Product.objects.get(pk=self.products[1].pk).stock, 5)

    def test_two_orders_two_emails(self):
        place_order(self.customer, [(self.products[2], 1)])
        place_order(self.customer, [(self.products[2], 1)])
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(AuditEntry.objects.filter(action="confirmed").count(), 2)
