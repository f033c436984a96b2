import logging
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q
from django.test import TestCase, tag

from catalog.tests.factories import make_catalog
from orders import reports
from orders.models import Customer, LineItem, Order
from utils.money import format_money

from .factories import make_customers, make_orders

logger = logging.getLogger("example.reports")


def sales_rows():
    """Every line item as plain values, for recomputing reports in Python."""
    return LineItem.objects.values_list(
        "order_id",
        "order__customer_id",
        "order__customer__city",
        "order__status",
        "order__created_at",
        "product__sku",
        "quantity",
        "unit_price",
    )


def counted_rows():
    return [row for row in sales_rows() if row[3] in reports.COUNTED]


@tag("slow", "db")
class SalesReportTests(TestCase):
    """A year of trading: every report is checked against plain Python."""

    @classmethod
    def setUpTestData(cls):
        _, _, products = make_catalog(products=400, categories=12, tags=8, seed=99)
        customers = make_customers(250, prefix="shopper")
        make_orders(customers, products, per_customer=8, seed=99)

    def test_revenue_by_month(self):
        expected = defaultdict(Decimal)
        for _, _, _, _, created, _, quantity, price in counted_rows():
            expected[created.date().replace(day=1)] += quantity * price
        self.assertEqual(dict(reports.revenue_by_month()), dict(expected))

    def test_top_customers(self):
        spent = defaultdict(Decimal)
        for _, customer_id, _, _, _, _, quantity, price in counted_rows():
            spent[customer_id] += quantity * price
        top = reports.top_customers(limit=15)
        self.assertEqual(
            [c.spent for c in top], sorted(spent.values(), reverse=True)[:15]
        )
        for customer in top:
            self.assertEqual(customer.spent, spent[customer.pk])

    def test_best_sellers(self):
        units = Counter()
        for _, _, _, _, _, sku, quantity, _ in counted_rows():
            units[sku] += quantity
        rows = reports.best_sellers(limit=20)
        self.assertEqual(rows[0]["units"], max(units.values()))
        for row in rows:
            self.assertEqual(row["units"], units[row["product__sku"]])

    def test_revenue_by_city(self):
        expected = defaultdict(Decimal)
        for _, _, city, _, _, _, quantity, price in counted_rows():
            expected[city] += quantity * price
        self.assertEqual(reports.revenue_by_city(), dict(expected))

    def test_line_count_of_every_customer(self):
        expected = Counter(row[1] for row in sales_rows())
        for customer in Customer.objects.filter(email__startswith="shopper"):
            count = LineItem.objects.filter(order__customer=customer).count()
            self.assertEqual(count, expected[customer.pk])

    def test_total_of_every_order(self):
        expected = defaultdict(Decimal)
        for order_id, _, _, _, _, _, quantity, price in sales_rows():
            expected[order_id] += quantity * price
        # One aggregate query per order: the first thousand are plenty.
        for order in Order.objects.filter(note__startswith="seed-99-")[:1000]:
            self.assertEqual(order.total(), expected[order.pk])

    def test_status_breakdown_per_customer(self):
        rows = (
            Order.objects.values("customer_id")
            .annotate(
                shipped=Count("pk", filter=Q(status=Order.SHIPPED)),
                cancelled=Count("pk", filter=Q(status=Order.CANCELLED)),
            )
            .order_by()
        )
        expected = defaultdict(Counter)
        for customer_id, status in Order.objects.values_list("customer_id", "status"):
            expected[customer_id][status] += 1
        for row in rows:
            counts = expected[row["customer_id"]]
            self.assertEqual(
                (row["shipped"], row["cancelled"]),
                (counts[Order.SHIPPED], counts[Order.CANCELLED]),
            )

    def test_latest_order_per_customer(self):
        latest = dict(
            Order.objects.values_list("customer_id")
            .annotate(last=Max("created_at"))
            .order_by()
        )
        for customer in Customer.objects.filter(email__startswith="shopper"):
            newest = customer.orders.first()
            self.assertEqual(newest.created_at, latest[customer.pk])

    def test_prefetch_keeps_query_count_flat(self):
        lines = Prefetch("lines", queryset=LineItem.objects.select_related("product"))
        with self.assertNumQueries(3):
            customers = list(
                Customer.objects.filter(email__startswith="shopper").prefetch_related(
                    Prefetch("orders", queryset=Order.objects.prefetch_related(lines))
                )
            )
        with self.assertNumQueries(0):
            skus = {
                line.product.sku
                for customer in customers
                for order in customer.orders.all()
                for line in order.lines.all()
            }
        self.assertEqual(skus, {row[5] for row in sales_rows()})

    def test_prints_summary(self):
        revenue = sum(amount for _, amount in reports.revenue_by_month())
        top = reports.top_customers(limit=3)
        # Printed so a human running the suite sees the figures at a glance.
        leaders = ", ".join(f"{c.name} {format_money(c.spent)}" for c in top)
        print(f"\nyearly revenue {format_money(revenue)}; top: {leaders}")
        logger.info("yearly revenue %s", revenue)
        self.assertGreater(revenue, 0)


@tag("db")
class CustomerActivityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        _, _, products = make_catalog(products=120, categories=5, tags=4, seed=5)
        make_customers(80, prefix="regular")
        make_orders(
            Customer.objects.all(), products, per_customer=4, seed=5, max_lines=3
        )

    def test_customers_without_paid_orders(self):
        idle = Customer.objects.exclude(orders__status__in=reports.COUNTED)
        buyers = set(
            Order.objects.filter(status__in=reports.COUNTED).values_list(
                "customer_id", flat=True
            )
        )
        everyone = set(Customer.objects.values_list("pk", flat=True))
        self.assertEqual(set(idle.values_list("pk", flat=True)), everyone - buyers)

    def test_order_counts(self):
        counts = Customer.objects.annotate(n=Count("orders"))
        self.assertEqual({c.n for c in counts}, {4})

    def test_vip_revenue(self):
        expected = sum(
            (
                quantity * price
                for _, customer_id, _, _, _, _, quantity, price in counted_rows()
                if Customer.objects.get(pk=customer_id).vip
            ),
            Decimal("0"),
        )
        found = sum(
            (c.spent for c in reports.top_customers(limit=1000) if c.vip),
            Decimal("0"),
        )
        self.assertEqual(found, expected)

    def test_shipping_everything_paid(self):
        settled = Order.objects.filter(status__in=reports.COUNTED).count()
        for order in Order.objects.filter(status=Order.PAID):
            order.move_to(Order.SHIPPED)
        self.assertFalse(Order.objects.filter(status=Order.PAID).exists())
        self.assertEqual(Order.objects.filter(status=Order.SHIPPED).count(), settled)

    def test_logs_each_city(self):
        with self.assertLogs("example.reports", level="INFO") as logs:
            for city, revenue in sorted(reports.revenue_by_city().items()):
                logger.info("%s: %s", city, revenue)
        cities = Customer.objects.values("city").distinct().count()
        self.assertEqual(len(logs.records), cities)

    def test_untracked_log_records_are_dropped_quietly(self):
        # No assertLogs here: the console handler's WARNING threshold must
        # keep INFO records out of the test output.
        for customer in Customer.objects.all()[:10]:
            logger.info(
                "customer %s has %d orders", customer.email, customer.orders.count()
            )
        self.assertTrue(logger.isEnabledFor(logging.INFO))
