from django.db import transaction
from django.test import TransactionTestCase

from shop.models import AuditEntry, Category


class AtomicTests(TransactionTestCase):
    def test_rollback(self):
        try:
            with transaction.atomic():
                AuditEntry.objects.create(message="doomed")
                raise RuntimeError
        except RuntimeError:
            pass
        self.assertEqual(AuditEntry.objects.count(), 0)


class SerializedRollbackTests(TransactionTestCase):
    """The data migration's rows survive only because of serialized_rollback."""

    serialized_rollback = True

    def test_categories_are_restored(self):
        self.assertEqual(Category.objects.count(), 3)
        Category.objects.all().delete()

    def test_categories_are_restored_again(self):
        self.assertEqual(Category.objects.count(), 3)
        Category.objects.all().delete()
