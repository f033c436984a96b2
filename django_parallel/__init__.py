"""django-parallel: a Django test runner that runs suites in parallel under any
multiprocessing start method.

``TEST_RUNNER = "django_parallel.Runner"`` switches it on. The runner class is
imported lazily so that listing ``"django_parallel"`` in INSTALLED_APPS does not
import ``django.test`` while the app registry is still loading.
"""

__version__ = "0.1.0.dev0"
__all__ = ["Runner", "__version__"]


def __getattr__(name: str):
    if name == "Runner":
        from django_parallel.runner import Runner

        return Runner
    raise AttributeError(f"module 'django_parallel' has no attribute {name!r}")
