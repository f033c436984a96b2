"""``manage.py clear_test_db_cache``: drop the migrated-database cache."""

from django.core.management.base import BaseCommand
from django.db import connections

from django_parallel.databases import clear_caches
from django_parallel.errors import exit_on_runner_error


class Command(BaseCommand):
    help = (
        "Drop django-parallel's migrated-database cache entries of every "
        "database alias, so the next test run migrates afresh."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        with exit_on_runner_error():
            clear_caches(list(connections), log=self.stdout.write)
