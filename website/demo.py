"""Demo content for the site itself: the home page and its blocks, the shop's plain pages (shipping, returns,
privacy, terms), the footer, and the demo sign-ins.

Every app may have a `demo.py` with a `seed(stdout)` function; `manage.py seed_demo` calls them in
order. Each must be idempotent: a second run changes nothing.
"""

import io
import json
import math
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter
from wagtail.images import get_image_model
from wagtail.models import Page

from shop.models import ShopIndexPage
from website.models import HomePage, SiteBranding, StandardPage

HERO_IMAGE_TITLE = "Demo home hero"
HOME_INTRO = "Hand-picked goods for sale, and a job board where employers post paid listings."

# slug, title, body (HTML): placeholders a real shop replaces with its own terms.
DEMO_PAGES = [
    (
        "shipping",
        "Shipping",
        "<p>We pack orders within two working days and send them with tracking.</p>"
        "<h2>Rates</h2><ul><li>Standard (3 to 5 days): $4.95, free over $75.</li>"
        "<li>Express (1 to 2 days): $15.00.</li><li>International (5 to 10 days): $18.00.</li></ul>"
        "<p>Digital goods arrive by e-mail as soon as the payment clears.</p>",
    ),
    (
        "returns",
        "Returns",
        "<p>Changed your mind? Send anything back unused within 30 days for a full refund.</p>"
        "<h2>How to return</h2><ol><li>Write to us with your order number.</li>"
        "<li>Pack the goods as they came.</li><li>We refund the price as soon as they arrive.</li></ol>",
    ),
    (
        "privacy",
        "Privacy",
        "<p>We keep what we need to send your order and nothing more: your name, e-mail and shipping address.</p>"
        "<p>Payments are handled by Stripe; card numbers never reach this site. We use one cookie to keep your "
        "cart and your sign-in, and no trackers.</p>",
    ),
    (
        "terms",
        "Terms",
        "<p>Prices include taxes where required. An order is accepted when its payment succeeds.</p>"
        "<p>Job listings run for the week paid for; we may take down a listing that breaks the law or misleads "
        "candidates, and refund it.</p>",
    ),
]

# Printed by `make run` so a new developer can sign in at once. Demo only: production has no seed.
DEMO_USERS = [
    # username, password, role, superuser, groups
    ("admin", "admin-demo-pass", "administrator (Wagtail admin, everything)", True, []),
    # Wagtail's Editors draft and edit; Moderators publish. A shop's editor does both.
    (
        "editor",
        "editor-demo-pass",
        "editor (Wagtail admin: publishes products, refunds orders)",
        False,
        ["Editors", "Moderators"],
    ),
    ("shopper", "shopper-demo-pass", "shopper (buys from the shop)", False, []),
]


def seed_users(stdout, users=DEMO_USERS):
    User = get_user_model()
    for username, password, role, superuser, groups in users:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "is_staff": superuser or bool(groups),
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            for group_name in groups:
                group, _ = Group.objects.get_or_create(name=group_name)
                user.groups.add(group)
        stdout.write(f"  {username:<10} / {password:<18} {role}{'' if created else ' (already there)'}")


def render_hero_image() -> ImageFile:
    """A 1600 by 700 JPEG: a dusk gradient with soft hills and scattered shapes, calm enough to sit beside text."""
    width, height = 1600, 700
    top, bottom = (11, 92, 173), (255, 196, 140)
    canvas = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(canvas)
    for y in range(height):
        t = y / (height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    # Soft lights: each a colour pasted through a blurred disc, so the edges fade into the sky.
    for x, y, r, colour, alpha in [
        (1200, 340, 160, (255, 236, 200), 230),
        (220, 160, 60, (255, 255, 255), 70),
        (520, 90, 36, (255, 255, 255), 60),
        (860, 220, 90, (255, 214, 170), 80),
        (1480, 120, 48, (255, 255, 255), 65),
    ]:
        mask = PILImage.new("L", (width, height), 0)
        ImageDraw.Draw(mask).ellipse((x - r, y - r, x + r, y + r), fill=alpha)
        canvas.paste(colour, (0, 0, width, height), mask.filter(ImageFilter.GaussianBlur(r / 4)))
    hills = [((40, 110, 120), 470, 70, 0.004), ((23, 77, 99), 540, 60, 0.006), ((16, 52, 74), 610, 45, 0.009)]
    for colour, base, amplitude, frequency in hills:
        points = [(x, base - amplitude * math.sin(x * frequency + base)) for x in range(0, width + 20, 20)]
        draw.polygon([(0, height), *points, (width, height)], fill=colour)
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=85, optimize=True)
    return ImageFile(buffer, name="demo-home-hero.jpg")


def seed_hero_image():
    Image = get_image_model()
    image = Image.objects.filter(title=HERO_IMAGE_TITLE).first()
    if image is None:
        image = Image(title=HERO_IMAGE_TITLE)
        image.file = render_hero_image()
        image.save()
    return image


def _block(block_type, value):
    return {"type": block_type, "value": value, "id": str(uuid.uuid4())}


def seed_home(stdout, home):
    """The home page's blocks, when the page has none yet (an editor's page is left alone)."""
    if home.body.raw_data:
        stdout.write("  home page blocks (already there)")
        return
    shop = ShopIndexPage.objects.first()
    # Without the shop's page (setup_site makes it before the demo runs), no button: it would lead nowhere.
    button = {"page": shop.pk if shop else None, "url": "", "label": "Browse the shop" if shop else ""}
    home.intro = home.intro or HOME_INTRO
    home.body = json.dumps(
        [
            _block(
                "hero",
                {
                    "image": seed_hero_image().pk,
                    "heading": "Good things, and good work",
                    "text": "Small-batch goods made to last, and jobs at teams worth joining.",
                    "button": button,
                },
            ),
            _block("featured_products", {"heading": "New in the shop", "products": [], "count": 4}),
            _block("latest_jobs", {"heading": "Latest jobs", "count": 3}),
            _block(
                "rich_text",
                "<h2>Why shop here</h2><p>Every product is chosen by hand and sent within two working days. "
                "Not right? Send it back within 30 days for a full refund.</p>"
                "<p>Hiring? A week on the job board takes five minutes to set up.</p>",
            ),
        ]
    )
    home.save_revision().publish()
    stdout.write("  home page blocks: hero, new products, latest jobs, text")


def seed_pages(stdout, home) -> list[Page]:
    pages = []
    for slug, title, body in DEMO_PAGES:
        page = home.get_children().filter(slug=slug).first()
        if page is None:
            page = StandardPage(title=title, slug=slug, body=json.dumps([_block("rich_text", body)]))
            home.add_child(instance=page)
            page.save_revision().publish()
            stdout.write(f"  page /{slug}/")
        pages.append(page)
    return pages


def seed_footer(stdout, pages) -> None:
    branding = SiteBranding.load()
    if branding.footer_links.raw_data or branding.contact_email:
        stdout.write("  footer (already there)")
        return
    branding.contact_address = "Shop & Jobs\n12 Harbour Street\nLisbon 1100-001, Portugal"
    branding.contact_email = "hello@example.com"
    branding.share_image = seed_hero_image()
    branding.footer_links = json.dumps([_block("link", {"page": page.pk, "url": "", "label": ""}) for page in pages])
    branding.save()
    stdout.write("  footer: contact and links")


def seed(stdout):
    stdout.write("Site demo content:")
    home = HomePage.objects.first()
    if home is not None:
        pages = seed_pages(stdout, home)
        seed_home(stdout, HomePage.objects.get(pk=home.pk))
        seed_footer(stdout, pages)
    stdout.write("Demo sign-ins (http://127.0.0.1:8000/accounts/login/ and /admin/):")
    seed_users(stdout)
