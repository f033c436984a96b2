"""``manage.py test_db_cache key|export``: the migrated-database cache in CI
(see ``django_parallel.cicache``)."""

from django.core.management.base import BaseCommand, CommandError

from django_parallel import cicache
from django_parallel.errors import RunnerError


class Command(BaseCommand):
    help = (
        "The migrated-database cache in CI: 'key' prints a key for the CI "
        "cache step that keeps .django_parallel/; 'export' writes the server "
        "cache entries the tests left to files there, which a run on a fresh "
        "server loads instead of migrating."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["key", "export"])

    def handle(self, *args, **options):
        try:
            if options["action"] == "key":
                self.stdout.write(cicache.key())
            else:
                cicache.export(log=self.stdout.write)
        except RunnerError as exc:
            raise CommandError(str(exc)) from None
