"""Audit trail: every status an order reaches is written down."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import AuditEntry, Order


@receiver(post_save, sender=Order, dispatch_uid="orders.audit_status")
def audit_status(
    sender, instance, created, raw=False, using=None, update_fields=None, **kwargs
):
    # Fixture loading (raw) replays history; it must not invent new entries.
    if raw:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    AuditEntry.objects.using(using).create(
        action="created" if created else "status",
        order=instance,
        message=instance.status,
    )
