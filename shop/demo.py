"""Demo content for the shop: the catalogue page and a dozen products, each with a description and three
generated pictures (shop.demo_pictures).

Idempotent: products are keyed on SKU, so a second run finds them all and changes nothing.
"""

from django.conf import settings
from wagtail.images import get_image_model
from wagtail.models import Site

from shop.demo_pictures import SCENES, product_picture_file
from shop.models import ProductImage, ProductOption, ProductPage, ProductVariant, ShippingRate, ShopIndexPage
from shop.querysets import ALL_RENDITIONS
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


# What the product page says beyond the summary, and how its pictures are drawn, by SKU: (what is drawn (a key of
# shop.demo_pictures.OBJECTS), second colour, the colours' names for alt text, description as rich text).
DEMO_DETAILS = {
    "MUG-001": (
        "mug",
        "#e07a5f",
        "slate blue",
        "terracotta",
        "<p>Thrown from stoneware clay and fired twice, with walls thick enough to keep coffee hot through a long "
        "phone call. The glazed band sits where your thumb rests; the foot is left bare so the mug sits quietly on "
        "the table.</p><p>Holds 350 ml (12 oz); 9 cm tall. Dishwasher and microwave safe.</p>",
    ),
    "TEE-001": (
        "tee",
        "#f2cc8f",
        "wine red",
        "sand",
        "<p>Cut from 200 g/m² organic cotton jersey, a heavier weave that keeps its shape wash after wash. A boxy "
        "fit with dropped shoulders; sleeves that end above the elbow.</p><p>Pre-shrunk. Wash at 30 °C inside out "
        "and dry flat; a cool iron if you must.</p>",
    ),
    "TOTE-001": (
        "tote",
        "#f4f1de",
        "olive",
        "natural",
        "<p>Twelve-ounce cotton canvas with handles long enough to carry on the shoulder, stitched twice where they "
        "meet the bag. A flat base and gusset let it stand up at the checkout.</p><p>38 by 42 cm, 10 cm deep; "
        "carries up to 15 kg. Machine wash cold; it softens with every wash.</p>",
    ),
    "NOTE-001": (
        "notebook",
        "#f2cc8f",
        "navy",
        "ochre",
        "<p>160 numbered pages of 100 g/m² paper with a 5 mm dot grid, bound with thread so the book lies flat at "
        "any page. Fountain pen ink does not bleed through.</p><p>A5 (148 by 210 mm), a linen-bound board cover, an "
        "elastic closure and a ribbon marker.</p>",
    ),
    "PEN-001": (
        "pen",
        "#c9d6df",
        "brass",
        "brushed steel",
        "<p>Turned from a solid brass rod and left unlacquered, so it darkens where your fingers hold it. Weighted "
        "towards the tip, it writes with its own weight.</p><p>13.5 cm long, 38 g. Takes standard international "
        "ink cartridges; one black cartridge included.</p>",
    ),
    "POSTER-001": (
        "poster",
        "#e07a5f",
        "pine green",
        "sunset orange",
        "<p>Printed by hand on a risograph in two colours, so no two prints are quite alike: the layers shift a "
        "hair from sheet to sheet.</p><p>50 by 70 cm on 170 g/m² recycled paper, unframed; it fits a standard "
        "frame. Sent rolled in a sturdy tube.</p>",
    ),
    "CAP-001": (
        "cap",
        "#f2cc8f",
        "violet",
        "mustard",
        "<p>Knitted from fine merino, soft enough to wear against the forehead all day, with a deep turn-up "
        "cuff that doubles the warmth over the ears.</p><p>One size, stretches to fit. Hand wash cold and dry flat; "
        "it will not shrink if you keep it out of the dryer.</p>",
    ),
    "SOCK-001": (
        "socks",
        "#81b29a",
        "rust",
        "sage",
        "<p>Two pairs of merino-blend socks with terry-cushioned soles and a reinforced heel and toe, the places "
        "socks wear through first.</p><p>70% merino, 28% nylon, 2% elastane. Sizes S (EU 36-39), M (40-43) and "
        "L (44-47). Machine wash at 30 °C.</p>",
    ),
    "BOTTLE-001": (
        "bottle",
        "#f4f1de",
        "teal",
        "cream",
        "<p>Double-walled stainless steel keeps water cold for 24 hours or tea hot for 12, and the outside never "
        "sweats in a bag.</p><p>750 ml; 26 cm tall, 7.5 cm across. A leak-proof steel cap with a loop. Wash by "
        "hand; no plastic touches the water.</p>",
    ),
    "CANDLE-001": (
        "candle",
        "#f2cc8f",
        "oxblood",
        "honey",
        "<p>Poured by hand from soy wax scented with cedarwood and a little smoke, in a glass you can keep for "
        "pencils once the candle is gone.</p><p>About fifty hours of burning. Trim the cotton wick to 5 mm before "
        "each lighting, and burn it until the whole surface melts the first time.</p>",
    ),
    "PLANT-001": (
        "planter",
        "#f4f1de",
        "terracotta",
        "chalk white",
        "<p>Thrown by hand from red earthenware that breathes, so roots stay healthy; the inside is glazed to stop "
        "the pot weeping onto your shelf.</p><p>14 cm across, 13 cm tall, with a drainage hole and a matching "
        "saucer. Frost-proof indoors only.</p>",
    ),
    "APRON-001": (
        "apron",
        "#f2cc8f",
        "indigo",
        "tan",
        "<p>Heavy 12 oz denim with cross-back straps that take the weight off your neck, and two deep pockets "
        "divided for a phone, a pen and a thermometer.</p><p>One size: 85 cm long, 70 cm wide. Machine wash; the "
        "indigo fades to a soft blue over time.</p>",
    ),
    "STICK-001": (
        "stickers",
        "#f2cc8f",
        "magenta",
        "gold",
        "<p>Ten die-cut stickers in our shop's colours, printed on thick vinyl with a matt laminate that shrugs "
        "off rain, scratches and the dishwasher.</p><p>Each 5 to 8 cm across. For laptops, bottles and bikes; they "
        "peel off cleanly for a year.</p>",
    ),
    "BOOK-001": (
        "book",
        "#f2cc8f",
        "moss green",
        "yellow",
        "<p>300 species of North America and Europe, each with a colour plate, its song written out and a map of "
        "where it breeds and winters.</p><p>448 pages, 12 by 18 cm: it fits a coat pocket. A flexible waterproof "
        "cover and a ribbon marker.</p>",
    ),
    "PDF-001": (
        "pattern",
        "#e07a5f",
        "charcoal",
        "coral",
        "<p>A top-down raglan jumper in worsted-weight yarn, written out row by row and charted, in eight sizes "
        "from 81 to 142 cm chest.</p><p>A 12-page PDF to download after payment: nothing is posted. Needs about "
        "1,100 to 1,900 m of yarn and 4.5 mm needles.</p>",
    ),
}


def demo_alt_texts(title: str, colour_name: str, accent_name: str) -> list[str]:
    """Alt text for the demo pictures, one per shop.demo_pictures scene, in SCENES' order."""
    return [
        f"{title} in {colour_name}, front view, on a pale studio backdrop",
        f"{title} in {accent_name}, tilted, on a striped backdrop",
        f"Close-up of the {title[0].lower()}{title[1:]} in {colour_name} on a wooden table",
    ]


def add_demo_gallery(product: ProductPage, *, colour: str) -> list[ProductImage]:
    """Three generated pictures (one per scene) in `product`'s gallery, with alt text."""
    kind, accent, colour_name, accent_name, _description = DEMO_DETAILS[product.sku]
    Image = get_image_model()
    slug = product.slug or product.sku.lower()
    gallery = []
    for position, (scene, alt_text) in enumerate(
        zip(SCENES, demo_alt_texts(product.title, colour_name, accent_name), strict=True)
    ):
        image = Image(title=f"{product.title}: {scene}", description=alt_text)
        image.file = product_picture_file(kind, colour, accent, scene, name=f"demo-{slug}-{scene}")
        image.save()
        gallery.append(ProductImage(page=product, image=image, alt_text=alt_text, sort_order=position))
    product.gallery_images = gallery
    return gallery


def upgrade_demo_product(product: ProductPage, *, colour: str) -> bool:
    """A product an older demo made (its description its summary again, one picture at most, no draft pending) gets
    this demo's description and pictures, published. Anything an editor changed is left alone. True if upgraded."""
    untouched = product.body == f"<p>{product.summary}</p>" and not product.has_unpublished_changes
    if not untouched or product.gallery_images.count() > 1:
        return False
    product.body = DEMO_DETAILS[product.sku][4]
    add_demo_gallery(product, colour=colour)  # replaces the one picture the gallery migration copied
    product.save_revision().publish()
    return True


def prepare_renditions(products) -> int:
    """Make now every rendition the site's pages show of these products' pictures (shop.querysets.ALL_RENDITIONS),
    so the first visitor does not wait for them. Only the missing ones are made; returns how many images it read."""
    images = 0
    for product in products.with_gallery(ALL_RENDITIONS):
        for item in product.gallery_images.all():
            item.image.get_renditions(*ALL_RENDITIONS)
            images += 1
    return images


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
    created = upgraded = 0
    for sku, title, summary, price, currency, stock, colour, _shape in DEMO_PRODUCTS:
        existing = ProductPage.objects.filter(sku=sku).first()
        if existing is not None:
            upgraded += upgrade_demo_product(existing, colour=colour)
            continue
        product = ProductPage(
            title=title,
            sku=sku,
            summary=summary,
            body=DEMO_DETAILS[sku][4],
            price_amount=price,
            price_currency=currency,
            requires_shipping=sku not in DIGITAL_SKUS,
        )
        add_demo_gallery(product, colour=colour)
        index.add_child(instance=product)
        product.save_revision().publish()
        stock_set(product=product, quantity=stock)
        created += 1
    stdout.write(f"  {created} products created, {len(DEMO_PRODUCTS) - created} already there")
    seed_variants(stdout)
    if upgraded:
        stdout.write(f"  {upgraded} products from an older demo given a description and pictures")
    if settings.SHOP_DEMO_PREPARE_RENDITIONS:
        read = prepare_renditions(ProductPage.objects.filter(sku__in=[row[0] for row in DEMO_PRODUCTS]))
        stdout.write(f"  renditions of {read} product pictures ready")
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
