"""Prints the declared width of typed_item.code in the test database."""

import re

from django.db import connection
from django.test import TestCase


class Width(TestCase):
    def test_print_width(self):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE name = 'typed_item'"
                )
                width = re.search(r'"code" varchar\((\d+)\)', cursor.fetchone()[0])[1]
            else:
                where = (
                    "table_schema = DATABASE()"
                    if connection.vendor == "mysql"
                    else "table_catalog = current_database()"
                )
                cursor.execute(
                    "SELECT character_maximum_length FROM information_schema.columns "
                    f"WHERE table_name = 'typed_item' AND column_name = 'code' AND {where}"
                )
                width = cursor.fetchone()[0]
        print(f"WIDTH {width}")
