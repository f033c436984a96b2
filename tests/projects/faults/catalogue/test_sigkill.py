"""A test that sends SIGKILL to its own process."""

import os
import signal

from django.test import TestCase

from catalogue.models import Item


class SigkillFault(TestCase):
    def test_1_before(self):
        Item.objects.create(name="before")

    def test_2_kills_itself(self):
        os.kill(os.getpid(), signal.SIGKILL)

    def test_3_after(self):
        self.assertEqual(Item.objects.count(), 0)
