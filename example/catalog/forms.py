import re

from django import forms

from .models import Product

SKU_PATTERN = re.compile(r"^[A-Z]{3}-\d{4,6}$")


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["category", "name", "slug", "sku", "price", "stock", "active"]

    def clean_sku(self):
        # Staff type SKUs in any case; the warehouse system wants upper case.
        sku = self.cleaned_data["sku"].strip().upper()
        if not SKU_PATTERN.match(sku):
            raise forms.ValidationError("SKU must look like ABC-1234.")
        return sku

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price <= 0:
            raise forms.ValidationError("Price must be positive.")
        return price


class PriceFilterForm(forms.Form):
    min_price = forms.DecimalField(required=False, min_value=0, decimal_places=2)
    max_price = forms.DecimalField(required=False, min_value=0, decimal_places=2)
    in_stock = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The minimum price is above the maximum.")
        return cleaned
