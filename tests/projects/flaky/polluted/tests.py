"""Two failures: one that happens wherever its test runs, and one that
happens only after another test ran in the same process (the planted
order dependence). A class's tests run in name order, in one process, so
in any run of the whole class test_b runs after test_a and fails; alone,
in a process of its own, it passes."""

from django.test import SimpleTestCase, TestCase

from polluted.models import Note

# What test_a leaves behind in its process.
LEFT_BEHIND = []


class PollutedTests(TestCase):
    def test_a_pollutes(self):
        LEFT_BEHIND.append("test_a_pollutes")

    def test_b_needs_a_clean_process(self):
        # The database copy must work for the test alone too.
        Note.objects.create(text="b")
        self.assertEqual(Note.objects.count(), 1)
        self.assertEqual(LEFT_BEHIND, [])


class AlphaTests(SimpleTestCase):
    def test_one(self):
        pass

    def test_two(self):
        pass


class BrokenTests(SimpleTestCase):
    def test_a_passes(self):
        pass

    def test_z_always_fails(self):
        self.fail("fails wherever it runs")
