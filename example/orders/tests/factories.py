"""Deterministic customers and order histories for tests."""

import random
from datetime import timedelta

from catalog.tests.factories import EPOCH
from orders.models import Customer, LineItem, Order

CITIES = ["Lyon", "Porto", "Gdansk", "Ghent", "Bergen", "Turin"]


def make_customers(count, prefix="customer"):
    rng = random.Random(count)
    Customer.objects.bulk_create(
        Customer(
            name=f"{prefix.title()} {index}",
            email=f"{prefix}{index}@example.com",
            city=CITIES[index % len(CITIES)],
            vip=rng.random() < 0.1,
            joined_at=EPOCH - timedelta(days=index),
        )
        for index in range(count)
    )
    return list(Customer.objects.filter(email__startswith=prefix).order_by("email"))


def make_orders(customers, products, per_customer, seed=0, max_lines=4):
    """Give each customer ``per_customer`` orders of 1..max_lines products.

    Orders are bulk inserted, so the audit signal does not fire for them.
    Returns the orders, read back with their lines prefetched.
    """
    rng = random.Random(seed)
    statuses = [Order.PENDING, Order.PAID, Order.PAID, Order.SHIPPED, Order.CANCELLED]
    orders = []
    for customer in customers:
        for number in range(per_customer):
            orders.append(
                Order(
                    customer=customer,
                    status=rng.choice(statuses),
                    created_at=EPOCH + timedelta(hours=rng.randint(0, 24 * 365)),
                    note=f"seed-{seed}-{customer.pk}-{number}",
                )
            )
    Order.objects.bulk_create(orders, batch_size=500)
    saved = list(Order.objects.filter(note__startswith=f"seed-{seed}-").order_by("pk"))
    lines = []
    for order in saved:
        for product in rng.sample(products, rng.randint(1, max_lines)):
            lines.append(
                LineItem(
                    order=order,
                    product=product,
                    quantity=rng.randint(1, 5),
                    unit_price=product.price,
                )
            )
    LineItem.objects.bulk_create(lines, batch_size=500)
    return list(
        Order.objects.filter(note__startswith=f"seed-{seed}-")
        .prefetch_related("lines")
        .order_by("pk")
    )
