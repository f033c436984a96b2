import json
from urllib.error import HTTPError
from urllib.request import ProxyHandler, build_opener

from django.test import LiveServerTestCase, tag
from django.urls import reverse

from catalog.models import Category


@tag("live", "slow")
class StorefrontLiveServerTests(LiveServerTestCase):
    # Needed next to SerializedRollbackTests; see catalog.tests.test_migrations.
    serialized_rollback = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An empty ProxyHandler ignores *_proxy variables, so requests go
        # straight to the live server on localhost.
        cls.opener = build_opener(ProxyHandler({}))

    def fetch(self, path):
        with self.opener.open(self.live_server_url + path, timeout=10) as response:
            return response.status, response.headers, response.read().decode()

    def test_health(self):
        status, headers, body = self.fetch(reverse("health"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(json.loads(body), {"status": "ok"})

    def test_category_page_shows_new_category(self):
        Category.objects.create(name="Kites", slug="kites")
        status, _, body = self.fetch(reverse("catalog:category-list"))
        self.assertEqual(status, 200)
        self.assertIn("Kites", body)

    def test_missing_page(self):
        with self.assertRaises(HTTPError) as caught:
            self.fetch("/catalog/products/missing/")
        self.assertEqual(caught.exception.code, 404)
        caught.exception.close()
