import logging
from decimal import Decimal
from types import SimpleNamespace

from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import SimpleTestCase, tag

logger = logging.getLogger("example.templates")


def render(source, **context):
    return Template("{% load shop %}" + source).render(Context(context))


@tag("fast")
class MoneyFilterTests(SimpleTestCase):
    def test_default_currency(self):
        self.assertEqual(render("{{ v|money }}", v=Decimal("1999.9")), "€1,999.90")

    def test_explicit_currency(self):
        self.assertEqual(render('{{ v|money:"GBP" }}', v=3), "£3.00")

    def test_missing_values_render_empty(self):
        for value in [None, ""]:
            with self.subTest(value=value):
                self.assertEqual(render("[{{ v|money }}]", v=value), "[]")

    def test_negative_amount(self):
        self.assertEqual(render("{{ v|money }}", v=-2), "-€2.00")

    def test_words_filter(self):
        self.assertEqual(
            render("{{ v|words:3 }}", v="one two three four five"), "one two three…"
        )


@tag("fast")
class TemplateRenderingTests(SimpleTestCase):
    """Render real templates with stand-in objects: no database needed."""

    def product(self, **overrides):
        values = {
            "name": "Copper kettle",
            "price": Decimal("45.00"),
            "stock": 2,
            "in_stock": True,
            "category": SimpleNamespace(name="Kitchen"),
            "tags": SimpleNamespace(all=lambda: [SimpleNamespace(name="gift")]),
        }
        values.update(overrides)
        return SimpleNamespace(**values)

    def test_product_detail(self):
        html = render_to_string(
            "catalog/product_detail.html", {"product": self.product()}
        )
        self.assertInHTML('<p class="price">€45.00</p>', html)
        self.assertInHTML('<p class="stock">2 in stock</p>', html)
        self.assertInHTML("<title>Copper kettle</title>", html)

    def test_sold_out_product(self):
        html = render_to_string(
            "catalog/product_detail.html",
            {"product": self.product(stock=0, in_stock=False)},
        )
        self.assertInHTML('<p class="stock">Sold out</p>', html)

    def test_names_are_escaped(self):
        html = render_to_string(
            "catalog/product_detail.html", {"product": self.product(name="<b>Bold</b>")}
        )
        self.assertIn("&lt;b&gt;Bold&lt;/b&gt;", html)
        self.assertNotIn("<b>Bold</b>", html)

    def test_empty_category_list(self):
        html = render_to_string("catalog/category_list.html", {"categories": []})
        self.assertInHTML("<li>No categories yet.</li>", html)

    def test_render_size_is_logged(self):
        with self.assertLogs("example.templates", level="DEBUG") as logs:
            html = render_to_string("catalog/category_list.html", {"categories": []})
            logger.debug("rendered category list: %d bytes", len(html))
        self.assertRegex(logs.output[0], r"rendered category list: \d+ bytes")
