"""Order placement: stock checks, then confirmation once the order is saved."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Product

from .models import AuditEntry, LineItem, Order

logger = logging.getLogger("example.orders")


class OutOfStock(Exception):
    def __init__(self, product, requested):
        super().__init__(
            f"only {product.stock} of {product.sku} left, {requested} asked"
        )
        self.product = product
        self.requested = requested


def place_order(customer, items, note=""):
    """Create an order for ``items``, a list of ``(product, quantity)`` pairs.

    Stock is reserved in the same transaction; the confirmation only starts
    once that transaction commits, so a rolled back order never sends mail.
    """
    with transaction.atomic():
        wanted = {product.pk: quantity for product, quantity in items}
        # Lock the rows so two checkouts cannot both take the last unit.
        products = Product.objects.select_for_update().filter(pk__in=wanted)
        order = Order.objects.create(customer=customer, note=note)
        lines = []
        for product in products.order_by("pk"):
            quantity = wanted[product.pk]
            if product.stock < quantity:
                raise OutOfStock(product, quantity)
            Product.objects.filter(pk=product.pk).update(stock=F("stock") - quantity)
            lines.append(
                LineItem(
                    order=order,
                    product=product,
                    quantity=quantity,
                    unit_price=product.price,
                )
            )
        LineItem.objects.bulk_create(lines)
        transaction.on_commit(partial(confirm_order, order.pk))
    logger.info("order %s placed for %s", order.pk, customer.email)
    return order


def confirm_order(order_pk):
    """Mark the order confirmed, then mail the customer.

    The mail waits for its own commit: if recording the confirmation fails
    the customer must not be told the order went through.
    """
    with transaction.atomic():
        order = Order.objects.select_related("customer").get(pk=order_pk)
        order.confirmed_at = timezone.now()
        order.save(update_fields=["confirmed_at"])
        AuditEntry.objects.create(
            action="confirmed", order=order, message=order.customer.email
        )
        transaction.on_commit(partial(send_confirmation_email, order_pk))


def send_confirmation_email(order_pk):
    order = Order.objects.select_related("customer").get(pk=order_pk)
    send_mail(
        subject=f"Your order #{order.pk}",
        message=f"Hello {order.customer.name}, your order totals {order.total()}.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.customer.email],
    )
    logger.info("confirmation mailed for order %s", order.pk)


def cancel_order(order):
    """Cancel ``order`` and put its units back on the shelf."""
    with transaction.atomic():
        for line in order.lines.all():
            Product.objects.filter(pk=line.product_id).update(
                stock=F("stock") + line.quantity
            )
        order.move_to(Order.CANCELLED)
    logger.info("order %s cancelled", order.pk)
