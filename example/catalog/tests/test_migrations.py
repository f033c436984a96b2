from django.test import TestCase, TransactionTestCase

from catalog.models import Category

DEFAULTS = ["books", "electronics", "garden", "toys"]


class DefaultCategoriesTests(TestCase):
    def test_data_migration_categories_exist(self):
        found = Category.objects.filter(slug__in=DEFAULTS).values_list(
            "slug", flat=True
        )
        self.assertEqual(sorted(found), DEFAULTS)


class SerializedRollbackTests(TransactionTestCase):
    """The data migration's rows must survive the flushes of this class.

    Every TransactionTestCase that uses the default database sets
    serialized_rollback: a plain one's flush re-creates content types under
    new ids, and restoring the serialized copy after it would then hit their
    unique constraint, whatever order the classes run in.
    """

    serialized_rollback = True

    def test_1_defaults_present(self):
        self.assertEqual(
            sorted(Category.objects.values_list("slug", flat=True)), DEFAULTS
        )

    def test_2_delete_defaults(self):
        Category.objects.filter(slug__in=DEFAULTS).delete()
        self.assertFalse(Category.objects.exists())

    def test_3_defaults_restored(self):
        # test_2 deleted them; serialized rollback must have put them back.
        self.assertEqual(Category.objects.filter(slug__in=DEFAULTS).count(), 4)
        self.assertEqual(Category.objects.get(slug="books").name, "Books")
