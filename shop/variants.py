"""Options and variants: the editor's form checks, and the reads the product page makes to let a shopper choose.

A variant's `option1..3` hold its values for the product's first, second and third option (by their order on
the page). A product without options has one implicit variant (no values, the product's SKU; see
`ProductPage.implicit_variant_sync`).
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.money import format_amount
from shop.models import MAX_OPTIONS, ProductPage, ProductVariant, split_option_values

OPTION_FIELDS = ("option1", "option2", "option3")


def _live_forms(formset) -> list:
    """The formset's forms the editor kept (not marked for deletion, not left empty)."""
    kept = []
    for form in formset.forms:
        if not form.has_changed() and not form.initial:
            continue  # an extra form left empty
        if "DELETE" in form.fields and form["DELETE"].data:
            continue
        kept.append(form)
    return kept


def _value(form, name: str) -> str:
    """A child form's value, cleaned when its field passed, else as posted (a field whose own check failed, say a
    SKU the database already has, still gets the clearer message naming who has it)."""
    cleaned = getattr(form, "cleaned_data", None) or {}
    value = cleaned[name] if name in cleaned else form[name].value()
    return "" if value is None else str(value).strip()


def _sku_owner(sku: str, *, product: ProductPage) -> str | None:
    """The title of another product already using `sku` (as its own or a variant's SKU), or None."""
    variant = (
        ProductVariant.objects.filter(sku__iexact=sku).exclude(product_id=product.pk).select_related("product").first()
    )
    if variant is not None:
        return variant.product.title
    other = ProductPage.objects.filter(sku__iexact=sku).exclude(pk=product.pk).first()
    return other.title if other is not None else None


def variant_forms_check(*, form, product: ProductPage, sku: str | None) -> None:
    """The product form's options and variants, checked together; each problem becomes an error on the form (the
    child form's field, or the page's) so nothing is saved.

    Options: at most three, each with at least one value, names distinct. Variants: each value one of its option's,
    every option given, combinations distinct, SKUs distinct here and unused by any other product. A product with
    options needs a variant; one without needs none (its implicit variant follows the product's SKU).
    """
    formsets = getattr(form, "formsets", {})
    option_formset, variant_formset = formsets.get("options"), formsets.get("variants")
    if option_formset is None or variant_formset is None:
        return
    # Both formsets validate themselves first; the checks below read what each form was given either way.
    option_formset.is_valid()
    variant_formset.is_valid()
    options = _live_forms(option_formset)
    variants = _live_forms(variant_formset)

    if len(options) > MAX_OPTIONS:
        form.add_error(None, f"A product can have at most {MAX_OPTIONS} options.")
        return
    choices: list[list[str]] = []
    names: set[str] = set()
    for option_form in options:
        name = _value(option_form, "name")
        values = split_option_values(_value(option_form, "values"))
        if name.lower() in names:
            option_form.add_error("name", f"There is already an option called {name}.")
        names.add(name.lower())
        if not values:
            option_form.add_error("values", "Give at least one value, e.g. S, M, L.")
        if len({value.lower() for value in values}) != len(values):
            option_form.add_error("values", "Each value may appear once.")
        choices.append(values)

    if options and not variants:
        form.add_error(None, "A product with options needs at least one variant: add one per combination you sell.")
    if not options and len(variants) > 1:
        form.add_error(None, "Several variants need options to tell them apart: add an option (e.g. Size) first.")

    seen_combinations: dict[tuple[str, ...], int] = {}
    seen_skus: set[str] = set()
    for number, variant_form in enumerate(variants, start=1):
        values = tuple(_value(variant_form, field) for field in OPTION_FIELDS)
        for index, field in enumerate(OPTION_FIELDS):
            value = values[index]
            if index >= len(choices):
                if value:
                    variant_form.add_error(field, "The product has no such option: leave it empty.")
                continue
            if not value:
                variant_form.add_error(field, f"Choose one of: {', '.join(choices[index])}.")
            elif value not in choices[index]:
                variant_form.add_error(
                    field,
                    f"{value} is not a value of {_value(options[index], 'name')}: use one of "
                    f"{', '.join(choices[index])}.",
                )
        if options:
            if values in seen_combinations:
                variant_form.add_error(
                    None, f"Variant {seen_combinations[values]} already has {', '.join(v for v in values if v)}."
                )
            seen_combinations.setdefault(values, number)
        variant_sku = _value(variant_form, "sku")
        if not options and sku:
            variant_sku = sku  # the implicit variant takes the product's SKU (ProductPage.implicit_variant_sync)
        if not variant_sku:
            continue
        if variant_sku.lower() in seen_skus:
            variant_form.add_error("sku", f"SKU {variant_sku} is used by another variant of this product.")
        seen_skus.add(variant_sku.lower())
        owner = _sku_owner(variant_sku, product=product)
        if owner is not None:
            variant_form.add_error("sku", f"SKU {variant_sku} is already used by {owner}.")
    if sku:
        owner = _sku_owner(sku, product=product)
        if owner is not None:
            form.add_error("sku", f"SKU {sku} is already used by {owner}.")
        elif options and sku.lower() in seen_skus:
            form.add_error("sku", f"SKU {sku} is one of this product's variants': give the product its own.")


@dataclass
class VariantChoice:
    """What the product page shows and embeds (for static/js/variants.js) of one variant."""

    variant: ProductVariant
    values: list[str]

    def as_json(self, currency: str) -> dict:
        variant = self.variant
        available = variant.available_quantity
        return {
            "id": variant.pk,
            "values": self.values,
            "sku": variant.sku,
            "price": variant.unit_price_amount,
            "price_display": format_amount(variant.unit_price_amount, currency),
            "available": available,
        }


@dataclass
class ProductChoices:
    """A product's options (name, values) and its variants with their availability: the buy form's data."""

    options: list[tuple[str, list[str]]]
    variants: list[VariantChoice]

    @property
    def has_options(self) -> bool:
        return bool(self.options)

    def options_for_form(self) -> list[dict]:
        """One select per option: its field name and values, each marked when no variant with it can be bought (none
        sold with it, or all sold out), so the plain form says so before any script runs."""
        options = []
        for index, (name, values) in enumerate(self.options):
            choices = []
            for value in values:
                having = [
                    choice for choice in self.variants if len(choice.values) > index and choice.values[index] == value
                ]
                buyable = any(choice.variant.available_quantity > 0 for choice in having)
                note = "" if buyable else (" (sold out)" if having else " (not sold)")
                choices.append({"value": value, "label": f"{value}{note}", "unavailable": not buyable})
            options.append({"name": name, "field": f"option{index + 1}", "choices": choices})
        return options

    def as_json(self, currency: str) -> dict:
        return {
            "options": [{"name": name, "values": values} for name, values in self.options],
            "variants": [choice.as_json(currency) for choice in self.variants],
        }


def product_choices(product: ProductPage) -> ProductChoices:
    """The product's options and its variants with availability, in two queries whatever their number.

    Always the rows in the database (the published variants), also in a preview of a draft: stock and holds are
    kept for those alone.
    """
    if product.pk is None:
        return ProductChoices(options=[], variants=[])
    variants = list(
        ProductVariant.objects.filter(product_id=product.pk).with_availability().order_by("sort_order", "pk")
    )
    # A product without options has only its implicit variant, with no values: no need to ask for its options.
    has_values = any(variant.option_values for variant in variants)
    options = [(option.name, option.value_list) for option in product.options.all()] if has_values else []
    choices = []
    for variant in variants:
        variant.product = product
        choices.append(VariantChoice(variant=variant, values=variant.option_values[: len(options)]))
    return ProductChoices(options=options, variants=choices)


def variant_for_choice(*, product: ProductPage, values: list[str]) -> ProductVariant | None:
    """The product's variant with exactly these option values (in the options' order); None when it sells none."""
    padded = (list(values) + ["", "", ""])[:MAX_OPTIONS]
    return (
        ProductVariant.objects.filter(product_id=product.pk, option1=padded[0], option2=padded[1], option3=padded[2])
        .order_by("pk")
        .first()
    )
