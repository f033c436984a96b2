from django.db import transaction
from django.test import TestCase

from shop.models import AuditEntry


def record(message):
    AuditEntry.objects.create(message=message)


class OnCommitTests(TestCase):
    def test_callback_added_by_callback_is_captured(self):
        def outer():
            record("outer")
            transaction.on_commit(lambda: record("inner"))

        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            transaction.on_commit(outer)
        self.assertEqual(len(callbacks), 2)
        self.assertEqual(
            sorted(AuditEntry.objects.values_list("message", flat=True)),
            ["inner", "outer"],
        )

    def test_capture_without_execute(self):
        with self.captureOnCommitCallbacks() as callbacks:
            transaction.on_commit(lambda: record("never"))
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(AuditEntry.objects.count(), 0)
