import os
import time

NOTE = "from post_migrate"


def after_migrate(sender, using, **kwargs):
    """Adds a row after migrating, as many apps' post_migrate receivers do
    (only when asked: other scenarios count the rows)."""
    if os.environ.get("DP_POST_MIGRATE_NOTE"):
        from scenarios.models import Note

        Note.objects.using(using).get_or_create(text=NOTE)
    if os.environ.get("DP_HANG_AFTER_MIGRATE"):
        # For Ctrl-C while the test database is being set up.
        print("MIGRATED", flush=True)
        time.sleep(60)
