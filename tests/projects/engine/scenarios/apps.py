from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class ScenariosConfig(AppConfig):
    name = "scenarios"

    def ready(self):
        from scenarios.hooks import after_migrate, record_checks_run

        post_migrate.connect(after_migrate, sender=self)
        checks.register(record_checks_run)
