from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import TestCase, tag

from catalog.tests.factories import make_categories, make_products
from orders.models import AuditEntry, Customer, LineItem, Order

from .factories import make_customers, make_orders


@tag("db")
class OrderTotalsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        categories = make_categories(4, prefix="tot")
        cls.products = make_products(categories, 40, seed=4, sku_prefix="TOT")
        cls.customers = make_customers(20, prefix="tot")
        cls.orders = make_orders(cls.customers, cls.products, per_customer=5, seed=4)

    def expected_total(self, order):
        return sum(
            (line.quantity * line.unit_price for line in order.lines.all()),
            Decimal("0"),
        )

    def test_total_method(self):
        for order in self.orders[:40]:
            with self.subTest(order=order.pk):
                self.assertEqual(order.total(), self.expected_total(order))

    def test_with_totals_matches_method(self):
        annotated = {order.pk: order.total for order in Order.objects.with_totals()}
        for order in self.orders:
            self.assertEqual(annotated[order.pk], self.expected_total(order))

    def test_empty_order_totals_zero(self):
        order = Order.objects.create(customer=self.customers[0])
        self.assertEqual(order.total(), Decimal("0.00"))

    def test_line_subtotal(self):
        line = LineItem(quantity=3, unit_price=Decimal("2.35"))
        self.assertEqual(line.subtotal, Decimal("7.05"))

    def test_open_orders(self):
        expected = {
            o.pk for o in self.orders if o.status in (Order.PENDING, Order.PAID)
        }
        self.assertEqual(
            set(Order.objects.open().values_list("pk", flat=True)), expected
        )

    def test_newest_first(self):
        dates = list(Order.objects.values_list("created_at", flat=True)[:50])
        self.assertEqual(dates, sorted(dates, reverse=True))


class OrderStatusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.customer = Customer.objects.create(name="Ada", email="ada@example.com")

    def setUp(self):
        self.order = Order.objects.create(customer=self.customer)

    def test_allowed_transitions(self):
        paths = [
            [Order.PAID, Order.SHIPPED],
            [Order.PAID, Order.CANCELLED],
            [Order.CANCELLED],
        ]
        for path in paths:
            with self.subTest(path=path):
                order = Order.objects.create(customer=self.customer)
                for status in path:
                    order.move_to(status)
                self.assertEqual(Order.objects.get(pk=order.pk).status, path[-1])

    def test_forbidden_transitions(self):
        self.order.move_to(Order.PAID)
        self.order.move_to(Order.SHIPPED)
        for status in [Order.PENDING, Order.PAID, Order.CANCELLED]:
            with self.subTest(status=status), self.assertRaises(ValueError):
                self.order.move_to(status)

    def test_creation_is_audited(self):
        entry = AuditEntry.objects.get(order=self.order)
        self.assertEqual((entry.action, entry.message), ("created", Order.PENDING))

    def test_status_changes_are_audited_in_order(self):
        self.order.move_to(Order.PAID)
        self.order.move_to(Order.SHIPPED)
        trail = list(self.order.audit.values_list("action", "message"))
        self.assertEqual(
            trail, [("created", "pending"), ("status", "paid"), ("status", "shipped")]
        )

    def test_other_updates_are_not_audited(self):
        self.order.note = "leave at the door"
        self.order.save(update_fields=["note"])
        self.assertEqual(self.order.audit.count(), 1)

    def test_audit_survives_order_deletion(self):
        pk = self.order.pk
        self.order.delete()
        entry = AuditEntry.objects.get(message="pending", action="created")
        self.assertIsNone(entry.order)
        self.assertFalse(Order.objects.filter(pk=pk).exists())


class LineItemConstraintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        category = make_categories(1, prefix="lic")[0]
        cls.product = make_products([category], 1, sku_prefix="LIC")[0]
        cls.order = Order.objects.create(
            customer=Customer.objects.create(name="Bo", email="bo@example.com")
        )
        LineItem.objects.create(
            order=cls.order,
            product=cls.product,
            quantity=1,
            unit_price=cls.product.price,
        )

    def test_one_line_per_product(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            LineItem.objects.create(
                order=self.order, product=self.product, quantity=2, unit_price=1
            )

    def test_ordered_product_cannot_be_deleted(self):
        with self.assertRaises(ProtectedError):
            self.product.delete()

    def test_lines_go_with_their_order(self):
        self.order.delete()
        self.assertFalse(LineItem.objects.exists())
