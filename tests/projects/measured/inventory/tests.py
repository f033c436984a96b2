"""One class per kind of class fixture, each calling its own part of
pricing.py."""

import unittest

from django.test import SimpleTestCase, TestCase, TransactionTestCase

from inventory import pricing
from inventory.models import Stock


class TestDataTests(TestCase):
    """setUpTestData: rows, and a class attribute each test gets a copy of."""

    @classmethod
    def setUpTestData(cls):
        cls.stock = Stock.objects.create(name="bolts", quantity=5)
        cls.names = ["bolts"]

    def test_restock(self):
        self.assertEqual(pricing.restock(self.stock, 10), 15)

    def test_restock_refuses_nothing(self):
        with self.assertRaises(ValueError):
            pricing.restock(self.stock, 0)

    def test_attribute_is_a_copy(self):
        self.names.append("nuts")
        self.assertEqual(len(self.names), 2)

    def test_attribute_is_a_copy_again(self):
        self.names.append("screws")
        self.assertEqual(len(self.names), 2)


class PriceTests(SimpleTestCase):
    def test_small(self):
        self.assertEqual(pricing.unit_price(1), 10)

    def test_medium(self):
        self.assertEqual(pricing.unit_price(10), 9)

    def test_large(self):
        self.assertEqual(pricing.unit_price(100), 8)


class LabelTests(unittest.TestCase):
    """Plain unittest, with its own setUpClass and tearDownClass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.blank = pricing.label("")

    @classmethod
    def tearDownClass(cls):
        del cls.blank
        super().tearDownClass()

    def test_blank(self):
        self.assertEqual(self.blank, "?")

    def test_words(self):
        self.assertEqual(pricing.label("hex bolt"), "Hex Bolt")


class DiscountTests(TransactionTestCase):
    def test_half(self):
        self.assertEqual(pricing.discount(20, "HALF"), 10)

    def test_ten_off(self):
        self.assertEqual(pricing.discount(5, "TENOFF"), 0)

    def test_none(self):
        Stock.objects.create(name="washers")
        self.assertEqual(pricing.discount(5, ""), 5)
