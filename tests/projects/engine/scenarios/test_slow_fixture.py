"""A class whose time is in its fixture: setUpClass takes 0.6 s, its two
tests next to nothing. The durations record must see the 0.6 s."""

import time

from django.test import SimpleTestCase


class SlowFixture(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        time.sleep(0.6)

    def test_quick_1(self):
        pass

    def test_quick_2(self):
        pass
