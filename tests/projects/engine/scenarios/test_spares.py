"""Waits (with DP_WAIT_FOR_SPARES=N) until N spare copies of the
migrated-database cache exist on the PostgreSQL server, so that a later
run finds every copy it needs there."""

import os
import time

from django.db import connection
from django.test import SimpleTestCase


class WaitsForSpares(SimpleTestCase):
    databases = {"default"}

    def test_spares_made(self):
        wanted = int(os.environ.get("DP_WAIT_FOR_SPARES", "0"))
        # A safety net only: the spare-copy thread makes them in seconds.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_database WHERE datname LIKE %s",
                    [r"%\_dpcache\_%\_next%"],
                )
                if cursor.fetchone()[0] >= wanted:
                    return
            time.sleep(0.2)
        self.fail(f"fewer than {wanted} spare copies were made")
