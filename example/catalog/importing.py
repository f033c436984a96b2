"""Bulk product import from supplier feeds (rows of plain dicts)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from .models import Category, Product

REQUIRED = ("sku", "name", "category", "price")


def parse_row(row, line):
    """Validate one feed row; ``line`` numbers the row in error messages."""
    missing = [key for key in REQUIRED if not str(row.get(key, "")).strip()]
    if missing:
        raise ValidationError(f"line {line}: missing {', '.join(missing)}")
    try:
        price = Decimal(str(row["price"]))
    except InvalidOperation:
        raise ValidationError(f"line {line}: bad price {row['price']!r}") from None
    if price <= 0:
        raise ValidationError(f"line {line}: price must be positive")
    return {
        "sku": row["sku"].strip().upper(),
        "name": row["name"].strip(),
        "category": row["category"].strip(),
        "price": price,
        "stock": int(row.get("stock") or 0),
    }


def import_products(rows):
    """Create or update the products in ``rows``; all of them or none.

    A feed with one bad row is rejected whole: a half-imported feed leaves
    the shop with prices from two different days.
    """
    parsed = [parse_row(row, line) for line, row in enumerate(rows, start=1)]
    created = updated = 0
    with transaction.atomic():
        categories = {}
        for item in parsed:
            name = item.pop("category")
            if name not in categories:
                categories[name], _ = Category.objects.get_or_create(
                    slug=slugify(name), defaults={"name": name}
                )
            _, was_created = Product.objects.update_or_create(
                sku=item["sku"],
                defaults={
                    **item,
                    "category": categories[name],
                    "slug": slugify(f"{item['name']}-{item['sku']}"),
                },
            )
            if was_created:
                created += 1
            else:
                updated += 1
    return created, updated
