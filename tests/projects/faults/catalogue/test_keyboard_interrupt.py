"""KeyboardInterrupt raised by a test (not a Ctrl-C: nobody pressed it)."""

from django.test import SimpleTestCase


class KeyboardInterruptFault(SimpleTestCase):
    def test_1_before(self):
        pass

    def test_2_raises_keyboard_interrupt(self):
        raise KeyboardInterrupt

    def test_3_after(self):
        pass
