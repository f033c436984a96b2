"""A test that reads address 0: SIGSEGV."""

import ctypes

from django.test import SimpleTestCase


class SegfaultFault(SimpleTestCase):
    def test_1_before(self):
        pass

    def test_2_segfaults(self):
        ctypes.string_at(0)

    def test_3_after(self):
        pass
