"""Four classes, one of each kind the runner orders, all passing: the
documentation's commands run against them (tests/test_docs.py)."""

import unittest
from decimal import Decimal

from django.test import SimpleTestCase, TestCase, TransactionTestCase, tag

from shop.models import Order, Product


class CartTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tea = Product.objects.create(name="tea", price=Decimal("3.50"))

    def test_total(self):
        order = Order.objects.create(product=self.tea, quantity=2)
        self.assertEqual(order.total, Decimal("7.00"))

    @tag("slow")
    def test_many_orders(self):
        Order.objects.bulk_create(Order(product=self.tea) for _ in range(200))
        self.assertEqual(Order.objects.count(), 200)


class CheckoutTests(TransactionTestCase):
    def test_order_is_saved(self):
        product = Product.objects.create(name="cocoa", price=Decimal("4.00"))
        Order.objects.create(product=product)
        self.assertEqual(Order.objects.count(), 1)


class LabelTests(SimpleTestCase):
    def test_price_label(self):
        self.assertEqual(f"{Decimal('3.5'):.2f} EUR", "3.50 EUR")


class ArithmeticTests(unittest.TestCase):
    def test_sum(self):
        self.assertEqual(sum([1, 2, 3]), 6)
