"""Demo content for the shop: the catalogue page and a dozen products with generated pictures.

Idempotent: products are keyed on SKU, so a second run finds them all and changes nothing.
"""

import io

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model
from wagtail.models import Site

from shop.models import ProductPage, ShopIndexPage
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
        )
        index.add_child(instance=product)
        product.save_revision().publish()
        stock_set(product=product, quantity=stock)
        created += 1
    stdout.write(f"  {created} products created, {len(DEMO_PRODUCTS) - created} already there")
