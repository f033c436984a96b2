from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ScenariosConfig(AppConfig):
    name = "scenarios"

    def ready(self):
        from scenarios.hooks import after_migrate

        post_migrate.connect(after_migrate, sender=self)
