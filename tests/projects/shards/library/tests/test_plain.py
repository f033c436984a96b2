"""Classes that use no database."""

import unittest

from django.test import SimpleTestCase


class TitleTests(SimpleTestCase):
    def test_0(self):
        self.assertEqual(0 + 1, 1)

    def test_1(self):
        self.assertEqual(1 + 1, 2)


class SlugTests(SimpleTestCase):
    def test_0(self):
        self.assertEqual(0 + 1, 1)

    def test_1(self):
        self.assertEqual(1 + 1, 2)

    def test_2(self):
        self.assertEqual(2 + 1, 3)


class ClockTests(unittest.TestCase):
    def test_0(self):
        self.assertEqual(0 + 1, 1)


class MathTests(unittest.TestCase):
    def test_0(self):
        self.assertEqual(0 + 1, 1)

    def test_1(self):
        self.assertEqual(1 + 1, 2)
