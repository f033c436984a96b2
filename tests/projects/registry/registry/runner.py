from django.conf import settings

import django_parallel


class Runner(django_parallel.Runner):
    """Changes a setting for the tests, as many projects' runners do."""

    def setup_test_environment(self, **kwargs):
        super().setup_test_environment(**kwargs)
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
