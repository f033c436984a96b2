"""Code that only the tests run: each function is called by one test class,
so which lines ran shows which classes were measured."""


def unit_price(quantity):
    if quantity >= 100:
        return 8
    if quantity >= 10:
        return 9
    return 10


def restock(stock, amount):
    if amount <= 0:
        raise ValueError("amount must be positive")
    stock.quantity += amount
    stock.save()
    return stock.quantity


def label(name):
    words = name.split()
    if not words:
        return "?"
    return " ".join(word.capitalize() for word in words)


def discount(total, code):
    if code == "HALF":
        return total / 2
    if code == "TENOFF":
        return max(total - 10, 0)
    return total
