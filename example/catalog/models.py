from decimal import Decimal

from django.db import models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def ancestors(self):
        """Categories above this one, nearest first."""
        chain = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def in_stock(self):
        return self.filter(stock__gt=0)

    def available(self):
        return self.active().in_stock()

    def price_between(self, low=None, high=None):
        queryset = self
        if low is not None:
            queryset = queryset.filter(price__gte=low)
        if high is not None:
            queryset = queryset.filter(price__lte=high)
        return queryset

    def with_tag_count(self):
        return self.annotate(tag_count=Count("tags", distinct=True))

    def search(self, term):
        return self.filter(Q(name__icontains=term) | Q(sku__iexact=term))

    def restock(self, amount):
        """Add ``amount`` units to every product in the queryset, in SQL."""
        return self.update(stock=F("stock") + amount)


class Product(models.Model):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    sku = models.CharField(max_length=20, unique=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    attributes = models.JSONField(default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["category", "active"], name="product_cat_active_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.sku})"

    @property
    def in_stock(self):
        return self.stock > 0

    def change_price(self, new_price, when=None):
        """Set a new price and record the change in the price history."""
        new_price = Decimal(new_price)
        if new_price <= 0:
            raise ValueError("prices must be positive")
        # History and price must move together: a half-applied change would
        # make the history disagree with the product.
        with transaction.atomic(using=self._state.db):
            change = PriceChange.objects.using(self._state.db).create(
                product=self,
                old_price=self.price,
                new_price=new_price,
                changed_at=when or timezone.now(),
            )
            self.price = new_price
            self.save(update_fields=["price"])
        return change


class PriceChange(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="price_changes"
    )
    old_price = models.DecimalField(max_digits=10, decimal_places=2)
    new_price = models.DecimalField(max_digits=10, decimal_places=2)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "pk"]

    @property
    def delta(self):
        return self.new_price - self.old_price
