"""For --failfast and Ctrl-C: after the stop, no worker starts another
test. Each test leaves a marker when it starts.

With --failfast: ``FailsOnceTheOtherRuns`` fails once ``WaitsForTheStop``
runs its first test, which ends only when the failing class has been torn
down (after the stop), so its second test must never start.

``Interrupted*`` (DP_STOP_SCENARIO=interrupt): each first test waits for
the driver's ``release`` marker, which comes after Ctrl-C.
"""

from django.test import SimpleTestCase

from scenarios.marks import mark, wait_for


class FailsOnceTheOtherRuns(SimpleTestCase):
    @classmethod
    def tearDownClass(cls):
        mark("failing-class-done")
        super().tearDownClass()

    def test_1_fails(self):
        mark("FailsOnceTheOtherRuns.1")
        wait_for("WaitsForTheStop.1")
        self.fail("the first failure")

    def test_2(self):
        mark("FailsOnceTheOtherRuns.2")


class WaitsForTheStop(SimpleTestCase):
    def test_1(self):
        mark("WaitsForTheStop.1")
        wait_for("failing-class-done")

    def test_2(self):
        mark("WaitsForTheStop.2")


def _interrupted(name):
    def test_1(self):
        mark(f"{name}.1")
        wait_for("release")

    def test_2(self):
        mark(f"{name}.2")

    return type(
        name,
        (SimpleTestCase,),
        {"test_1": test_1, "test_2": test_2, "__module__": __name__},
    )


InterruptedA = _interrupted("InterruptedA")
InterruptedB = _interrupted("InterruptedB")
