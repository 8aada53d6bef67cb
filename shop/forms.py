from django import forms
from django.conf import settings

QUANTITY_ERRORS = {
    "required": "Enter a quantity.",
    "invalid": "Quantity must be a whole number.",
    "min_value": "Quantity must be at least 1.",
    "max_value": "You can buy at most %(limit_value)s of one product.",
}


def quantity_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=settings.SHOP_MAX_QUANTITY_PER_LINE,
        error_messages=QUANTITY_ERRORS,
        **kwargs,
    )


class AddToCartForm(forms.Form):
    """Checks the shape of a request to add to the cart; the service checks stock, cap and currency."""

    product = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        # Larger ids cannot exist in a BigAutoField; refusing them here keeps them away from the database.
        max_value=2**63 - 1,
        error_messages={
            "required": "Choose a product to add.",
            "invalid": "The product must be given by its number.",
            "min_value": "That product does not exist.",
            "max_value": "That product does not exist.",
        },
    )
    # The variant: by id (a script or API client), or by its option values, one select per option (a plain form).
    variant = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={
            "invalid": "The choice must be given by its number.",
            "min_value": "That choice does not exist.",
            "max_value": "That choice does not exist.",
        },
    )
    option1 = forms.CharField(required=False, max_length=64)
    option2 = forms.CharField(required=False, max_length=64)
    option3 = forms.CharField(required=False, max_length=64)
    quantity = quantity_field(initial=1)

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        if product is not None:
            self.fields["product"].initial = product.pk
            # The browser stops obvious mistakes early; the server checks again whatever it is sent.
            self.fields["quantity"].widget.attrs.update({"min": 1, "max": max(product.max_orderable_quantity, 1)})
            if product.is_sold_out:
                self.fields["quantity"].disabled = True

    def option_values(self) -> list[str]:
        """The values chosen, in the options' order, up to the last one given."""
        values = [self.cleaned_data.get(name) or "" for name in ("option1", "option2", "option3")]
        while values and not values[-1]:
            values.pop()
        return values

    def first_error(self) -> str:
        for name in ("product", "variant", "option1", "option2", "option3", "quantity"):
            if name in self.errors:
                return self.errors[name][0]
        return "Check the form and try again."


class UpdateLineForm(forms.Form):
    quantity = quantity_field()

    def first_error(self) -> str:
        return self.errors["quantity"][0] if "quantity" in self.errors else "Check the form and try again."
