from django.apps import AppConfig


class DjangoParallelConfig(AppConfig):
    """Installing the app only makes its ``test`` command replace Django's."""

    name = "django_parallel"
    verbose_name = "django-parallel"
