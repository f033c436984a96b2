"""A test module that cannot be imported."""

import catalogue_no_such_module  # noqa: F401
from django.test import SimpleTestCase


class NeverLoaded(SimpleTestCase):
    def test_never_loaded(self):
        pass
