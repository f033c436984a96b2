from decimal import Decimal

from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone

from catalog.models import Product

MONEY = DecimalField(max_digits=12, decimal_places=2)


def line_total():
    """SQL expression for quantity x unit price of a line item."""
    return ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY)


class Customer(models.Model):
    name = models.CharField(max_length=120)
    email = models.EmailField(unique=True)
    city = models.CharField(max_length=80, blank=True)
    vip = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class OrderQuerySet(models.QuerySet):
    def with_totals(self):
        return self.annotate(
            total=Sum(F("lines__quantity") * F("lines__unit_price"), output_field=MONEY)
        )

    def open(self):
        return self.filter(status__in=[Order.PENDING, Order.PAID])


class Order(models.Model):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    STATUS_CHOICES = [
        (PENDING, "Pending"),
        (PAID, "Paid"),
        (SHIPPED, "Shipped"),
        (CANCELLED, "Cancelled"),
    ]
    # Which status may follow which; anything else is a bug in the caller.
    TRANSITIONS = {
        PENDING: {PAID, CANCELLED},
        PAID: {SHIPPED, CANCELLED},
        SHIPPED: set(),
        CANCELLED: set(),
    }

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="orders"
    )
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Order #{self.pk} ({self.status})"

    def total(self):
        result = self.lines.aggregate(total=Sum(line_total()))["total"]
        return result if result is not None else Decimal("0.00")

    def move_to(self, status):
        if status not in self.TRANSITIONS[self.status]:
            raise ValueError(f"cannot go from {self.status} to {status}")
        self.status = status
        self.save(update_fields=["status"])


class LineItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="line_items"
    )
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "product"], name="one_line_per_product"
            ),
        ]

    @property
    def subtotal(self):
        return self.quantity * self.unit_price


class AuditEntry(models.Model):
    action = models.CharField(max_length=40)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.action}: {self.message}"
