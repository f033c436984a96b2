from django import forms

from catalog.models import Product

from .models import Customer


class OrderLineForm(forms.Form):
    email = forms.EmailField()
    sku = forms.CharField(max_length=20)
    quantity = forms.IntegerField(min_value=1, max_value=50)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        try:
            self.customer = Customer.objects.get(email=email)
        except Customer.DoesNotExist:
            raise forms.ValidationError("Unknown customer.") from None
        return email

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip().upper()
        try:
            self.product = Product.objects.active().get(sku=sku)
        except Product.DoesNotExist:
            raise forms.ValidationError("No such product.") from None
        return sku


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "email", "city"]

    def clean_email(self):
        # Addresses are compared case-insensitively everywhere else.
        return self.cleaned_data["email"].lower()
