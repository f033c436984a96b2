"""Sales figures for the back office, computed in the database.

SQLite sums decimals as floats, so every money figure is rounded back to
cents before it leaves this module.
"""

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

from utils.money import to_cents

from .models import MONEY, Customer, LineItem, Order, line_total

COUNTED = [Order.PAID, Order.SHIPPED]


def counted_lines():
    """Line items of orders that brought money in."""
    return LineItem.objects.filter(order__status__in=COUNTED)


def revenue_by_month():
    rows = (
        counted_lines()
        .annotate(month=TruncMonth("order__created_at"))
        .values("month")
        .annotate(revenue=Sum(line_total()))
        .order_by("month")
    )
    return [(row["month"].date(), to_cents(row["revenue"])) for row in rows]


def top_customers(limit=10):
    customers = list(
        Customer.objects.filter(orders__status__in=COUNTED)
        .annotate(
            spent=Sum(
                F("orders__lines__quantity") * F("orders__lines__unit_price"),
                output_field=MONEY,
            )
        )
        .order_by("-spent", "pk")[:limit]
    )
    for customer in customers:
        customer.spent = to_cents(customer.spent)
    return customers


def best_sellers(limit=10):
    return list(
        counted_lines()
        .values("product__sku")
        .annotate(units=Sum("quantity"), orders=Count("order", distinct=True))
        .order_by("-units", "product__sku")[:limit]
    )


def revenue_by_city():
    rows = (
        counted_lines()
        .values("order__customer__city")
        .annotate(revenue=Sum(line_total()))
        .order_by("order__customer__city")
    )
    return {row["order__customer__city"]: to_cents(row["revenue"]) for row in rows}
