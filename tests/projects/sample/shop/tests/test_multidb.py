from django.db import connections
from django.test import TestCase

from shop.models import AuditEntry


class OtherDatabaseTests(TestCase):
    databases = {"default", "other"}

    def test_write_to_other(self):
        AuditEntry.objects.using("other").create(message="elsewhere")
        self.assertEqual(AuditEntry.objects.using("other").count(), 1)
        self.assertEqual(AuditEntry.objects.count(), 0)


class ReplicaTests(TestCase):
    databases = {"default", "replica"}

    def test_replica_is_a_mirror_of_default(self):
        self.assertEqual(
            connections["replica"].settings_dict["NAME"],
            connections["default"].settings_dict["NAME"],
        )
