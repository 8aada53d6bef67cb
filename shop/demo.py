"""Demo content for the shop: the catalogue page and a dozen products with generated pictures.

Idempotent: products are keyed on SKU, so a second run finds them all and changes nothing.
"""

import io

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Site

from shop.models import ProductOption, ProductPage, ProductVariant, ShippingRate, ShopIndexPage
from shop.stock import stock_set

# sku, title, summary, price (minor units), currency, stock, colour, shape
DEMO_PRODUCTS = [
    ("MUG-001", "Stoneware mug", "A heavy mug that keeps coffee warm.", 1800, "USD", 40, "#2f6f8f", "ellipse"),
    ("TEE-001", "Organic cotton tee", "Soft, boxy and made to last.", 2500, "USD", 25, "#8f2f4a", "rectangle"),
    ("TOTE-001", "Canvas tote", "Carries a week of groceries.", 1500, "USD", 3, "#6b8f2f", "rectangle"),
    ("NOTE-001", "Dot-grid notebook", "A5, 160 pages, lies flat.", 1200, "USD", 60, "#2f3f8f", "rectangle"),
    ("PEN-001", "Brass pen", "Machined brass that ages well.", 4500, "USD", 2, "#b8860b", "ellipse"),
    ("POSTER-001", "Mountain poster", "Risograph print, 50 by 70 cm.", 3000, "USD", 0, "#3f7f6f", "triangle"),
    ("CAP-001", "Wool cap", "Warm without the itch.", 2200, "USD", 15, "#5a3f8f", "ellipse"),
    ("SOCK-001", "Merino socks", "Two pairs, cushioned soles.", 1900, "USD", 30, "#8f5a2f", "rectangle"),
    ("BOTTLE-001", "Steel water bottle", "Keeps water cold for a day.", 2800, "USD", 4, "#2f8f7a", "rectangle"),
    ("CANDLE-001", "Cedar candle", "Soy wax, fifty hours of burn.", 2100, "USD", 18, "#7a2f2f", "ellipse"),
    ("PLANT-001", "Terracotta planter", "Hand-thrown, with a drainage hole.", 3400, "USD", 9, "#b0522d", "triangle"),
    ("APRON-001", "Denim apron", "Cross-back straps, deep pockets.", 3900, "USD", 12, "#2f4f6f", "rectangle"),
    ("STICK-001", "Sticker pack", "Ten vinyl stickers.", 600, "USD", 100, "#8f2f8f", "triangle"),
    ("BOOK-001", "Field guide to birds", "Pocket-sized, 300 species.", 2400, "USD", 1, "#4f6f2f", "rectangle"),
    ("PDF-001", "Knitting pattern (PDF)", "A download: nothing is posted.", 800, "USD", 1000, "#6f6f6f", "rectangle"),
]
# Options and variants of some products, keyed by the product's SKU: (option name, values) and
# (option values, variant SKU, stock, price or None for the product's). A product listed here is sold in these
# variants only; one without an entry keeps its one implicit variant (DEMO_PRODUCTS' stock).
DEMO_VARIANTS = {
    "TEE-001": (
        [("Size", "S, M, L, XL"), ("Colour", "Oat, Black")],
        [
            (("S", "Oat"), "TEE-001-S-OAT", 6, None),
            (("S", "Black"), "TEE-001-S-BLK", 4, None),
            (("M", "Oat"), "TEE-001-M-OAT", 8, None),
            (("M", "Black"), "TEE-001-M-BLK", 5, None),
            (("L", "Oat"), "TEE-001-L-OAT", 7, None),
            (("L", "Black"), "TEE-001-L-BLK", 6, None),
            (("XL", "Oat"), "TEE-001-XL-OAT", 3, 2700),
            (("XL", "Black"), "TEE-001-XL-BLK", 0, 2700),  # sold out: the page marks it, the cart refuses it
        ],
    ),
    "SOCK-001": (
        [("Size", "M, L")],
        [(("M",), "SOCK-001-M", 18, None), (("L",), "SOCK-001-L", 12, None)],
    ),
    "CAP-001": (
        [("Colour", "Charcoal, Rust, Navy")],
        [
            (("Charcoal",), "CAP-001-CHA", 6, None),
            (("Rust",), "CAP-001-RUS", 5, None),
            (("Navy",), "CAP-001-NAV", 4, None),
        ],
    ),
}
# Products that are downloads or services: checked out without an address.
DIGITAL_SKUS = {"PDF-001"}

# name, amount (minor units), currency, countries, business days from/to, free over
DEMO_SHIPPING_RATES = [
    ("Standard", 495, "USD", "US CA", 3, 5, 7500),
    ("Express", 1500, "USD", "US CA", 1, 2, None),
    ("International", 1800, "USD", "GB IE FR DE NL AU JP", 5, 10, None),
]


def render_product_image(title: str, colour: str, shape: str) -> ImageFile:
    """An 800 by 600 PNG: a coloured shape on a pale ground with the product's name."""
    canvas = PILImage.new("RGB", (800, 600), "#f4f5f7")
    draw = ImageDraw.Draw(canvas)
    box = (220, 90, 580, 450)
    if shape == "ellipse":
        draw.ellipse(box, fill=colour)
    elif shape == "triangle":
        draw.polygon([(400, 90), (580, 450), (220, 450)], fill=colour)
    else:
        draw.rounded_rectangle(box, radius=24, fill=colour)
    font = ImageFont.load_default(size=40)
    text_width = draw.textlength(title, font=font)
    draw.text(((800 - text_width) / 2, 500), title, fill="#1b1f24", font=font)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    slug = title.lower().replace(" ", "-")
    return ImageFile(buffer, name=f"demo-{slug}.png")


def seed_shop_index(stdout) -> ShopIndexPage:
    index = ShopIndexPage.objects.first()
    if index is not None:
        stdout.write(f"  shop index at {index.get_url()} (already there)")
        return index
    home = Site.objects.get(is_default_site=True).root_page
    index = ShopIndexPage(
        title="Shop",
        slug="shop",
        intro="<p>Small-batch goods, made well and built to last.</p>",
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    stdout.write("  shop index at /shop/")
    return index


def seed_variants(stdout) -> None:
    """Give DEMO_VARIANTS' products their options and variants (published, as an editor would), then their stock.
    A product that already has options is left as it is, so a second run changes nothing."""
    made = 0
    for sku, (options, variants) in DEMO_VARIANTS.items():
        product = ProductPage.objects.filter(sku=sku).first()
        if product is None or product.options.exists():
            continue
        product.options = [ProductOption(name=name, values=values) for name, values in options]
        product.variants = [
            ProductVariant(
                sku=variant_sku,
                price_amount=price,
                **{f"option{index}": value for index, value in enumerate(values, start=1)},
            )
            for values, variant_sku, _stock, price in variants
        ]
        product.save_revision().publish()
        stock_by_sku = {variant_sku: stock for _values, variant_sku, stock, _price in variants}
        for variant in ProductVariant.objects.filter(product=product):
            stock_set(variant=variant, quantity=stock_by_sku[variant.sku])
        made += 1
    stdout.write(f"  {made} products given options and variants, {len(DEMO_VARIANTS) - made} already had them")


def seed(stdout):
    stdout.write("Shop demo content:")
    index = seed_shop_index(stdout)
    Image = get_image_model()
    created = 0
    for sku, title, summary, price, currency, stock, colour, shape in DEMO_PRODUCTS:
        if ProductPage.objects.filter(sku=sku).exists():
            continue
        image = Image(title=title)
        image.file = render_product_image(title, colour, shape)
        image.save()
        product = ProductPage(
            title=title,
            sku=sku,
            summary=summary,
            body=f"<p>{summary}</p>",
            image=image,
            price_amount=price,
            price_currency=currency,
            requires_shipping=sku not in DIGITAL_SKUS,
        )
        index.add_child(instance=product)
        product.save_revision().publish()
        stock_set(product=product, quantity=stock)
        created += 1
    stdout.write(f"  {created} products created, {len(DEMO_PRODUCTS) - created} already there")
    seed_variants(stdout)
    rates = 0
    for name, amount, currency, countries, low, high, free_over in DEMO_SHIPPING_RATES:
        _rate, made = ShippingRate.objects.get_or_create(
            name=name,
            currency=currency,
            defaults={
                "amount": amount,
                "countries": countries,
                "min_days": low,
                "max_days": high,
                "free_over_amount": free_over,
            },
        )
        rates += made
    stdout.write(f"  {rates} shipping rates created, {len(DEMO_SHIPPING_RATES) - rates} already there")
