import os
import time

from django.db import connections

NOTE = "from post_migrate"

# How many times the system checks ran in this process.
checks_run = 0


def record_checks_run(app_configs, databases=None, **kwargs):
    """A system check that finds nothing and counts its runs, as checks
    with side effects do (importing the URLconf, registering things), and
    connects to each database it is given, as Django's database-dependent
    model checks do (JSONField asks the database about JSON support)."""
    global checks_run
    checks_run += 1
    for alias in databases or []:
        connections[alias].ensure_connection()
    return []


def after_migrate(sender, using, **kwargs):
    """Adds a row after migrating, as many apps' post_migrate receivers do
    (only when asked: other scenarios count the rows)."""
    if os.environ.get("DP_POST_MIGRATE_NOTE"):
        from scenarios.models import Note

        Note.objects.using(using).get_or_create(text=NOTE)
    if os.environ.get("DP_HOLD") == "migrated":
        from scenarios.holds import hold

        hold("migrated")
    if os.environ.get("DP_HANG_AFTER_MIGRATE"):
        # For Ctrl-C while the test database is being set up.
        print("MIGRATED", flush=True)
        time.sleep(60)
