"""A test that ends its own database session on the server."""

from django.db import connection
from django.test import TestCase

from catalogue.models import Item


class KillConnectionFault(TestCase):
    def test_kills_its_connection(self):
        if connection.vendor == "postgresql":
            sql = "select pg_terminate_backend(pg_backend_pid())"
        elif connection.vendor == "mysql":
            sql = "kill connection connection_id()"
        else:
            self.skipTest("SQLite has no server session to end")
        with connection.cursor() as cursor:
            cursor.execute(sql)


class AfterKilledConnection(TestCase):
    # The next class, wherever it runs, must find a working database.
    def test_database_works(self):
        Item.objects.create(name="after")
        self.assertEqual(Item.objects.count(), 1)
