"""Two classes whose tests run at the same time on two workers: each test
starts, waits until the other has started, then one fails and one passes.
At -v 2 each result must stand on its own test's line."""

from django.test import SimpleTestCase

from scenarios.marks import mark, wait_for


class MeetA(SimpleTestCase):
    def test_a1(self):
        mark("a1")
        wait_for("b1")
        self.fail("a1 fails")


class MeetB(SimpleTestCase):
    def test_b1(self):
        mark("b1")
        wait_for("a1")
