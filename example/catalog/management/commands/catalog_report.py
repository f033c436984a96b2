from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum

from catalog.models import Category, Product
from utils.money import format_money


class Command(BaseCommand):
    help = "Print product counts and stock value per category."

    def add_arguments(self, parser):
        parser.add_argument("--category", help="Only report on this category slug.")
        parser.add_argument(
            "--min-products",
            type=int,
            default=0,
            help="Skip categories with fewer active products.",
        )

    def handle(self, *args, **options):
        categories = Category.objects.all()
        if options["category"]:
            categories = categories.filter(slug=options["category"])
            if not categories.exists():
                raise CommandError(f"No category {options['category']!r}.")
        total = 0
        for category in categories:
            products = Product.objects.active().filter(category=category)
            stats = products.aggregate(count=Count("pk"), units=Sum("stock"))
            if stats["count"] < options["min_products"]:
                continue
            value = sum(p.price * p.stock for p in products.only("price", "stock"))
            total += value
            self.stdout.write(
                f"{category.slug}: {stats['count']} products, "
                f"{stats['units'] or 0} units, {format_money(value)}"
            )
        self.stdout.write(f"total stock value: {format_money(total)}")
