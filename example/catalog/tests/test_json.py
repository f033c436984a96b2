from django.test import TestCase, skipUnlessDBFeature

from catalog.models import Product

from .factories import make_categories, make_products


@skipUnlessDBFeature("supports_json_field")
class ProductAttributesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        categories = make_categories(3, prefix="json")
        cls.products = make_products(categories, 120, seed=5, sku_prefix="JSN")
        Product.objects.filter(sku="JSN-00000").update(
            attributes={"color": "red", "warranty": {"years": 3}}
        )

    def test_key_lookup(self):
        expected = {p.sku for p in self.products if p.attributes["color"] == "blue"}
        found = set(
            Product.objects.filter(attributes__color="blue").values_list(
                "sku", flat=True
            )
        )
        self.assertEqual(found, expected)

    def test_numeric_key_comparison(self):
        heavy = Product.objects.filter(attributes__weight__gte=2500)
        expected = sum(1 for p in self.products if p.attributes["weight"] >= 2500)
        self.assertEqual(heavy.count(), expected)

    def test_has_key(self):
        self.assertEqual(
            list(
                Product.objects.filter(attributes__has_key="warranty").values_list(
                    "sku", flat=True
                )
            ),
            ["JSN-00000"],
        )

    def test_nested_key(self):
        product = Product.objects.get(attributes__warranty__years=3)
        self.assertEqual(product.sku, "JSN-00000")

    @skipUnlessDBFeature("supports_json_field_contains")
    def test_contains(self):
        found = Product.objects.filter(attributes__contains={"color": "red"})
        self.assertIn("JSN-00000", set(found.values_list("sku", flat=True)))
