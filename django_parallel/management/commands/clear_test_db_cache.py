"""``manage.py clear_test_db_cache``: drop the migrated-database cache."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from django_parallel.databases import clear_caches
from django_parallel.errors import RunnerError


class Command(BaseCommand):
    help = (
        "Drop django-parallel's migrated-database cache entries of every "
        "database alias, with their spare copies and kept serialized "
        "contents, naming each, so the next test run migrates afresh."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        try:
            clear_caches(list(connections), log=self.stdout.write)
        except RunnerError as exc:
            raise CommandError(str(exc)) from None
