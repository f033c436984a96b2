from django import template

from utils.money import format_money
from utils.text import truncate_words

register = template.Library()


@register.filter
def money(value, currency="EUR"):
    """``{{ price|money }}`` -> ``€12.50``; empty for missing values."""
    if value in (None, ""):
        return ""
    return format_money(value, currency)


@register.filter
def words(value, limit):
    return truncate_words(str(value), int(limit))
