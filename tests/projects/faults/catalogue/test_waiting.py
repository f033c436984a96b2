"""Two classes whose test says it runs (a file in DP_FAULTS_MARKERS) and
then waits for ever: what a signal to the run finds in progress. Imported,
the module is also a wait point of discovery (catalogue/waitpoint.py)."""

import os
import threading

from django.test import TestCase

from catalogue.models import Item
from catalogue.waitpoint import wait_point

wait_point("import")


def mark_and_wait(name: str) -> None:
    Item.objects.create(name=name)
    directory = os.environ["DP_FAULTS_MARKERS"]
    path = os.path.join(directory, f"{name}.{os.getpid()}")
    with open(path, "w") as marker:
        marker.write(name)
    threading.Event().wait()


class WaitingA(TestCase):
    def test_waits(self):
        mark_and_wait("a")


class WaitingB(TestCase):
    def test_waits(self):
        mark_and_wait("b")
