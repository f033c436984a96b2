import unittest

from django.test import SimpleTestCase


class ArithmeticTests(SimpleTestCase):
    def test_addition(self):
        self.assertEqual(1 + 1, 2)


class PlainTests(unittest.TestCase):
    def test_plain(self):
        self.assertTrue(True)
