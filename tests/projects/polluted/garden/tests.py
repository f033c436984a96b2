"""Innocent classes, and one class with a planted order-dependent failure:
``BedTests.test_c_drought`` changes module state and does not put it back;
``BedTests.test_f_victim`` passes alone and fails after it. unittest runs a
class's tests in name order, so whichever worker runs BedTests runs the
polluter before the victim, with three innocent tests of the class (and any
classes the worker ran first) in between."""

import os

from django.test import SimpleTestCase

from garden import state


class InnocentMixin:
    def test_one(self):
        self.assertEqual(1 + 1, 2)

    def test_two(self):
        self.assertTrue(os.getpid())


class RosesTests(InnocentMixin, SimpleTestCase):
    pass


class TulipsTests(InnocentMixin, SimpleTestCase):
    pass


class DaisiesTests(InnocentMixin, SimpleTestCase):
    pass


class LiliesTests(InnocentMixin, SimpleTestCase):
    pass


class BedTests(SimpleTestCase):
    def test_a_dig(self):
        self.assertEqual(len("bed"), 3)

    def test_b_sow(self):
        self.assertIn("seed", "seeds")

    def test_c_drought(self):
        state.WATERING["litres"] = 0

    def test_d_weed(self):
        self.assertFalse([])

    def test_e_mulch(self):
        self.assertEqual(sorted([2, 1]), [1, 2])

    def test_f_victim(self):
        self.assertEqual(state.WATERING["litres"], 1, "the bed was left dry")
