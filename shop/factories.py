import factory
import wagtail_factories
from django.utils.text import slugify
from wagtail.models import Site

from shop.models import (
    Cart,
    LineItem,
    ProductImage,
    ProductOption,
    ProductPage,
    ProductVariant,
    ShippingRate,
    ShopIndexPage,
)
from shop.stock import stock_set

# Re-exported so tests build images from the shop's factories module like everything else.
ImageFactory = wagtail_factories.ImageFactory


class ShopIndexPageFactory(wagtail_factories.PageFactory):
    """Build with parent=home_page; it lives at /shop/."""

    class Meta:
        model = ShopIndexPage

    title = "Shop"
    slug = "shop"
    intro = "<p>Things we make and sell.</p>"


class ProductPageFactory(wagtail_factories.PageFactory):
    """Build with parent=<ShopIndexPage>."""

    class Meta:
        model = ProductPage
        # The stock hook writes its own row; the page needs no second save.
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda page: slugify(page.title))
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    summary = factory.Faker("sentence", nb_words=8)
    body = "<p>Made to last.</p>"
    price_amount = 1250
    price_currency = "USD"
    # Digital unless a test says otherwise: a test about something else then needs no shipping rate or address.
    requires_shipping = False

    @factory.post_generation
    def images(product, create, extracted, **kwargs):
        """`ProductPageFactory(images=2)`: that many gallery images (none unless told); or a list of Images."""
        if not create or not extracted:
            return
        pictures = [ImageFactory() for _ in range(extracted)] if isinstance(extracted, int) else extracted
        for position, picture in enumerate(pictures):
            ProductImageFactory(page=product, image=picture, sort_order=position)

    @factory.post_generation
    def stock_on_hand(product, create, extracted, **kwargs):
        """`ProductPageFactory(stock_on_hand=5)`: its implicit variant's Stock row (20 units unless told). The
        variant itself comes from `ProductPage.save()`, as in the admin."""
        if create:
            stock_set(product=product, quantity=20 if extracted is None else extracted)


def product_with_variants(*, parent, options: dict[str, str], variants: list[dict], **kwargs) -> ProductPage:
    """A product with options ({"Size": "S, M"}) and variants ([{"values": ["S"], "sku": "T-S", "stock": 3,
    "price_amount": None}, ...]), saved as the admin saves a published page (children with it)."""
    product = ProductPageFactory.build(**kwargs)
    product.options = [ProductOption(name=name, values=values) for name, values in options.items()]
    product.variants = [
        ProductVariant(
            sku=spec["sku"],
            price_amount=spec.get("price_amount"),
            **{f"option{index}": value for index, value in enumerate(spec["values"], start=1)},
        )
        for spec in variants
    ]
    parent.add_child(instance=product)
    for spec, variant in zip(variants, product.variants.order_by("sort_order", "pk"), strict=True):
        stock_set(variant=variant, quantity=spec.get("stock", 20))
    return product


class ProductImageFactory(factory.django.DjangoModelFactory):
    """Build with page=<ProductPage>; sort_order places it (Orderable: lowest first)."""

    class Meta:
        model = ProductImage

    image = factory.SubFactory(ImageFactory)
    alt_text = factory.Sequence(lambda n: f"Picture {n} of the product")
    sort_order = factory.Sequence(lambda n: n)


class CartFactory(factory.django.DjangoModelFactory):
    """An anonymous cart unless user= is given."""

    class Meta:
        model = Cart

    user = None


def default_shop_index() -> ShopIndexPage:
    """The shop index under the default site's home page, made on first use."""
    existing = ShopIndexPage.objects.first()
    if existing is not None:
        return existing
    return ShopIndexPageFactory(parent=Site.objects.get(is_default_site=True).root_page)


class LineItemFactory(factory.django.DjangoModelFactory):
    """A line of a product's first variant (its only one, without options) unless variant= is given."""

    class Meta:
        model = LineItem

    cart = factory.SubFactory(CartFactory)
    product = factory.LazyFunction(lambda: ProductPageFactory(parent=default_shop_index()))
    variant = factory.LazyAttribute(lambda line: line.product.variants.order_by("sort_order", "pk").first())
    option_values = factory.LazyAttribute(lambda line: line.variant.label if line.variant else "")
    quantity = 1


class ShippingRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingRate

    name = factory.Sequence(lambda n: f"Rate {n}")
    amount = 500
    currency = "USD"
    countries = "US CA GB"
    min_days = 2
    max_days = 5
