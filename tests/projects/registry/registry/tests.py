"""A test module that registers a model in the admin when it is imported, a
common pattern: every worker must have imported it before the URLconf was
loaded, as a serial run has (2 tests)."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import SimpleTestCase
from django.urls import reverse

admin.site.register(ContentType)


class ChangelistTests(SimpleTestCase):
    def test_registered_model_has_a_changelist(self):
        url = reverse("admin:contenttypes_contenttype_changelist")
        self.assertEqual(url, "/admin/contenttypes/contenttype/")


class ChangelistAgainTests(SimpleTestCase):
    def test_registered_model_has_a_changelist(self):
        url = reverse("admin:contenttypes_contenttype_changelist")
        self.assertEqual(url, "/admin/contenttypes/contenttype/")
