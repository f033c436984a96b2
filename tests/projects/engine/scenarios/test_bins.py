"""TestCases and one TransactionTestCase, for the schedule's bins.

``LateTransactional`` fails at once. Django's order runs it after every
TestCase; when the durations record says it is the long one, the schedule
starts it at once on one worker, so with --failfast few of the TestCases'
tests have run when the run stops. Each TestCase class checks that its
worker's database still holds the row its data migration added, which a
TransactionTestCase run before it on the same worker would have removed.
"""

import time

from django.test import TestCase, TransactionTestCase

from scenarios.models import Note


def _migrated_row_is_there(self):
    time.sleep(0.2)
    self.assertTrue(Note.objects.filter(text="from migration").exists())


for _index in range(4):
    globals()[f"Early{_index}"] = type(
        f"Early{_index}",
        (TestCase,),
        {f"test_{n}": _migrated_row_is_there for n in range(5)},
    )


class LateTransactional(TransactionTestCase):
    def test_fails(self):
        self.fail("the long TransactionTestCase ran")
