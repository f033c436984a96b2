"""``manage.py clear_test_db_cache``: drop the migrated-database cache."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from django_parallel.databases import bound_connects, clear_caches
from django_parallel.errors import RunnerError
from django_parallel.options import project_defaults


class Command(BaseCommand):
    help = (
        "Drop django-parallel's migrated-database cache entries of every "
        "database alias, with their spare copies and kept serialized "
        "contents, naming each, so the next test run migrates afresh."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        try:
            aliases = list(connections)
            bound_connects(aliases, project_defaults()["connect_timeout"])
            clear_caches(aliases, log=self.stdout.write)
        except RunnerError as exc:
            raise CommandError(str(exc)) from None
