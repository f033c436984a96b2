from django.test import SimpleTestCase, tag
from django.urls import resolve, reverse

from utils.views import health


@tag("fast")
class HealthTests(SimpleTestCase):
    def test_url(self):
        self.assertEqual(reverse("health"), "/health/")
        self.assertIs(resolve("/health/").func, health)

    def test_response(self):
        response = self.client.get("/health/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_missing_trailing_slash_redirects(self):
        response = self.client.get("/health")
        self.assertRedirects(
            response, "/health/", status_code=301, fetch_redirect_response=False
        )

    def test_prints_headers(self):
        response = self.client.get("/health/")
        # Printed on purpose: shows what a load balancer probe would see.
        print(f"\nhealth: {response.status_code} {response['Content-Type']}")
        self.assertEqual(response["Content-Type"], "application/json")
