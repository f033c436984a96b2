from decimal import Decimal

from django.test import Client, TestCase, tag
from django.urls import reverse

from catalog.models import Product
from catalog.tests.factories import make_categories, make_products
from orders.models import LineItem, Order

from .factories import make_customers, make_orders


class OrderDetailViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.products = make_products(
            make_categories(2, prefix="odv"), 10, seed=2, sku_prefix="ODV"
        )
        cls.customer = make_customers(1, prefix="odv")[0]
        cls.order = make_orders([cls.customer], cls.products, per_customer=1, seed=2)[0]

    def get(self, pk):
        return self.client.get(reverse("orders:detail", args=[pk]))

    def test_renders_lines(self):
        response = self.get(self.order.pk)
        self.assertTemplateUsed(response, "orders/order_detail.html")
        for line in self.order.lines.all():
            self.assertContains(response, line.product.name)

    def test_shows_total(self):
        total = self.order.total()
        self.assertContains(response=self.get(self.order.pk), text=f"€{total:,.2f}")

    def test_status_label(self):
        Order.objects.filter(pk=self.order.pk).update(status=Order.SHIPPED)
        self.assertContains(
            self.get(self.order.pk), '<p class="status">Shipped</p>', html=True
        )

    def test_missing_order_is_404(self):
        self.assertEqual(self.get(self.order.pk + 999).status_code, 404)

    def test_bounded_queries(self):
        # Order, lines+products prefetch and the total aggregate.
        with self.assertNumQueries(4):
            self.get(self.order.pk)


class CustomerSummaryViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        products = make_products(
            make_categories(3, prefix="csv"), 30, seed=6, sku_prefix="CSV"
        )
        cls.customer, cls.other = make_customers(2, prefix="csv")
        cls.orders = make_orders(
            [cls.customer, cls.other], products, per_customer=6, seed=6
        )

    def test_summary(self):
        data = self.client.get(
            reverse("orders:customer-summary", args=[self.customer.pk])
        ).json()
        mine = [o for o in self.orders if o.customer_id == self.customer.pk]
        kept = [o for o in mine if o.status != Order.CANCELLED]
        spent = sum(
            (line.quantity * line.unit_price for o in kept for line in o.lines.all()),
            Decimal("0"),
        )
        self.assertEqual(data["customer"], self.customer.email)
        self.assertEqual(data["orders"], len(kept))
        self.assertEqual(Decimal(data["spent"]), spent)
        self.assertEqual(sum(data["by_status"].values()), len(mine))

    def test_customer_without_orders(self):
        lone = make_customers(1, prefix="lone")[0]
        data = self.client.get(
            reverse("orders:customer-summary", args=[lone.pk])
        ).json()
        self.assertEqual(
            (data["orders"], data["spent"], data["by_status"]), (0, "0.00", {})
        )

    def test_unknown_customer(self):
        response = self.client.get(reverse("orders:customer-summary", args=[10**6]))
        self.assertEqual(response.status_code, 404)


@tag("checkout")
class PlaceOrderViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.product = make_products(
            make_categories(1, prefix="pov"), 1, sku_prefix="POV"
        )[0]
        Product.objects.filter(pk=cls.product.pk).update(stock=3, active=True)
        cls.customer = make_customers(1, prefix="pov")[0]
        cls.url = reverse("orders:place")

    def post(self, client=None, **overrides):
        data = {
            "email": self.customer.email,
            "sku": self.product.sku.lower(),
            "quantity": 2,
        }
        data.update(overrides)
        return (client or self.client).post(self.url, data)

    def test_success_redirects_and_confirms(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post()
        order = Order.objects.get(customer=self.customer)
        self.assertRedirects(response, reverse("orders:detail", args=[order.pk]))
        self.assertEqual(LineItem.objects.get(order=order).quantity, 2)
        self.assertIsNotNone(Order.objects.get(pk=order.pk).confirmed_at)

    def test_unknown_customer(self):
        response = self.post(email="nobody@example.com")
        self.assertContains(response, "Unknown customer.", status_code=400)

    def test_quantity_bounds(self):
        for quantity in [0, 51, "many"]:
            with self.subTest(quantity=quantity):
                self.assertEqual(self.post(quantity=quantity).status_code, 400)
        self.assertFalse(Order.objects.exists())

    def test_out_of_stock_is_conflict(self):
        response = self.post(quantity=4)
        self.assertContains(response, "only 3 of", status_code=409)
        self.assertEqual(Product.objects.get(pk=self.product.pk).stock, 3)

    def test_get_not_allowed(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_csrf_enforced_for_browsers(self):
        response = self.post(client=Client(enforce_csrf_checks=True))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Order.objects.exists())
