"""Deterministic catalog datasets for tests.

Rows are inserted with bulk_create and read back by a unique field, because
not every backend returns primary keys from a bulk insert.
"""

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from catalog.models import Category, Product, Tag

ADJECTIVES = ["Red", "Sturdy", "Tiny", "Smart", "Classic", "Wooden", "Silent", "Quick"]
NOUNS = ["Lamp", "Kettle", "Novel", "Drone", "Shovel", "Puzzle", "Speaker", "Chair"]
COLORS = ["red", "green", "blue", "black", "white"]
EPOCH = datetime(2023, 1, 1, tzinfo=timezone.utc)


def make_categories(count, prefix="dept"):
    Category.objects.bulk_create(
        Category(name=f"{prefix.title()} {index:02d}", slug=f"{prefix}-{index:02d}")
        for index in range(count)
    )
    return list(Category.objects.filter(slug__startswith=f"{prefix}-").order_by("slug"))


def make_tags(count):
    Tag.objects.bulk_create(Tag(name=f"tag{index:02d}") for index in range(count))
    return list(Tag.objects.filter(name__startswith="tag").order_by("name"))


def make_products(categories, count, tags=(), seed=0, sku_prefix="PRD"):
    """Insert ``count`` products spread over ``categories``; returns them."""
    rng = random.Random(seed)
    products = []
    for index in range(count):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {index}"
        products.append(
            Product(
                category=categories[index % len(categories)],
                name=name,
                slug=f"{sku_prefix.lower()}-{index}",
                sku=f"{sku_prefix}-{index:05d}",
                price=Decimal(rng.randint(99, 49999)) / 100,
                # Roughly one product in eight is sold out, one in ten retired.
                stock=0 if rng.random() < 0.125 else rng.randint(1, 60),
                active=rng.random() >= 0.1,
                attributes={
                    "color": rng.choice(COLORS),
                    "weight": rng.randint(10, 5000),
                },
                created_at=EPOCH + timedelta(hours=rng.randint(0, 24 * 365)),
            )
        )
    Product.objects.bulk_create(products, batch_size=500)
    saved = list(
        Product.objects.filter(sku__startswith=f"{sku_prefix}-").order_by("sku")
    )
    if tags:
        through = Product.tags.through
        links = [
            through(product_id=product.pk, tag_id=tag.pk)
            for product in saved
            for tag in rng.sample(list(tags), rng.randint(0, min(4, len(tags))))
        ]
        through.objects.bulk_create(links, batch_size=500)
    return saved


def make_catalog(products=200, categories=6, tags=10, seed=0):
    """A complete small catalog: ``(categories, tags, products)``."""
    category_rows = make_categories(categories)
    tag_rows = make_tags(tags)
    product_rows = make_products(category_rows, products, tag_rows, seed=seed)
    return category_rows, tag_rows, product_rows
