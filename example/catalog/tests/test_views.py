from decimal import Decimal

from django.test import SimpleTestCase, TestCase, tag
from django.urls import Resolver404, resolve, reverse

from catalog import views
from catalog.models import Category, Product, Tag

from .factories import make_categories, make_products


@tag("fast")
class CatalogUrlTests(SimpleTestCase):
    def test_reverse(self):
        cases = [
            ("catalog:category-list", {}, "/catalog/"),
            ("catalog:product-list-json", {}, "/catalog/products.json"),
            (
                "catalog:product-detail",
                {"slug": "red-lamp"},
                "/catalog/products/red-lamp/",
            ),
        ]
        for name, kwargs, path in cases:
            with self.subTest(name=name):
                self.assertEqual(reverse(name, kwargs=kwargs), path)

    def test_resolve_detail(self):
        match = resolve("/catalog/products/red-lamp/")
        self.assertEqual(match.func, views.product_detail)
        self.assertEqual(match.kwargs, {"slug": "red-lamp"})
        self.assertEqual(match.namespace, "catalog")

    def test_bad_slug_does_not_resolve(self):
        with self.assertRaises(Resolver404):
            resolve("/catalog/products/not a slug/")

    def test_resolve_json_listing(self):
        self.assertEqual(
            resolve("/catalog/products.json").func, views.product_list_json
        )


class CategoryListViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.categories = make_categories(3, prefix="view")
        cls.products = make_products(cls.categories, 30, seed=3, sku_prefix="VCL")

    def test_lists_categories_with_active_counts(self):
        response = self.client.get(reverse("catalog:category-list"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "catalog/category_list.html")
        for category in self.categories:
            active = sum(
                1 for p in self.products if p.category_id == category.pk and p.active
            )
            self.assertContains(
                response, f'{category.name} <span class="count">({active})</span>'
            )

    def test_query_count_is_constant(self):
        with self.assertNumQueries(1):
            self.client.get(reverse("catalog:category-list"))
        make_categories(5, prefix="more")
        with self.assertNumQueries(1):
            self.client.get(reverse("catalog:category-list"))

    def test_empty_catalog(self):
        Product.objects.all().delete()
        Category.objects.all().delete()
        response = self.client.get(reverse("catalog:category-list"))
        self.assertContains(response, "No categories yet.")

    def test_html_is_well_formed(self):
        response = self.client.get(reverse("catalog:category-list"))
        self.assertContains(response, "<title>Categories</title>", html=True)
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")


class ProductDetailViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        category = Category.objects.create(name="Lamps", slug="lamps")
        cls.lamp = Product.objects.create(
            category=category,
            name="Brass lamp",
            slug="brass-lamp",
            sku="LMP-0001",
            price=Decimal("1249.50"),
            stock=3,
        )
        cls.lamp.tags.set(
            [Tag.objects.create(name="vintage"), Tag.objects.create(name="metal")]
        )
        cls.retired = Product.objects.create(
            category=category,
            name="Old lamp",
            slug="old-lamp",
            sku="LMP-0002",
            price=Decimal("5.00"),
            active=False,
        )

    def get(self, product):
        return self.client.get(reverse("catalog:product-detail", args=[product.slug]))

    def test_shows_formatted_price(self):
        self.assertContains(
            self.get(self.lamp), '<p class="price">€1,249.50</p>', html=True
        )

    def test_shows_tags(self):
        response = self.get(self.lamp)
        self.assertContains(response, "<li>metal</li>", html=True)
        self.assertContains(response, "<li>vintage</li>", html=True)

    def test_sold_out(self):
        Product.objects.filter(pk=self.lamp.pk).update(stock=0)
        self.assertContains(self.get(self.lamp), "Sold out")

    def test_inactive_product_is_404(self):
        self.assertEqual(self.get(self.retired).status_code, 404)

    def test_unknown_slug_is_404(self):
        response = self.client.get("/catalog/products/no-such-thing/")
        self.assertEqual(response.status_code, 404)


@tag("db")
class ProductJsonViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.categories = make_categories(4, prefix="api")
        cls.products = make_products(cls.categories, 80, seed=8, sku_prefix="API")
        cls.url = reverse("catalog:product-list-json")

    def test_lists_active_products(self):
        data = self.client.get(self.url).json()
        self.assertEqual(data["count"], sum(1 for p in self.products if p.active))
        self.assertEqual(len(data["results"]), data["count"])

    def test_price_filter(self):
        data = self.client.get(
            self.url, {"min_price": "100", "max_price": "200"}
        ).json()
        expected = sorted(
            p.sku
            for p in self.products
            if p.active and Decimal(100) <= p.price <= Decimal(200)
        )
        self.assertEqual(sorted(row["sku"] for row in data["results"]), expected)

    def test_category_and_stock_filter(self):
        category = self.categories[2]
        data = self.client.get(
            self.url, {"category": category.slug, "in_stock": "on"}
        ).json()
        expected = {
            p.sku
            for p in self.products
            if p.active and p.stock and p.category_id == category.pk
        }
        self.assertEqual({row["sku"] for row in data["results"]}, expected)
        self.assertTrue(
            all(row["category"] == category.slug for row in data["results"])
        )

    def test_prices_are_strings(self):
        row = self.client.get(self.url).json()["results"][0]
        self.assertEqual(
            Decimal(row["price"]), Product.objects.get(sku=row["sku"]).price
        )

    def test_invalid_filter_is_400(self):
        response = self.client.get(self.url, {"min_price": "cheap"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("min_price", response.json()["errors"])

    def test_one_query_whatever_the_size(self):
        with self.assertNumQueries(1):
            self.client.get(self.url)
