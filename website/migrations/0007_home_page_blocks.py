"""The home page is built from blocks: its old rich-text body becomes one rich text block (in the page and in its
revisions, so an older revision still opens with its text). Plain pages (StandardPage) and the footer's contact and
links, the site's default description and share image, come with it."""

import json
import uuid

import django.db.models.deletion
import serving.routing
import wagtail.fields
from django.conf import settings
from django.db import migrations, models


def rich_text_to_blocks(html):
    return json.dumps([{"type": "rich_text", "value": html, "id": str(uuid.uuid4())}]) if html else "[]"


def body_to_blocks(apps, schema_editor):
    HomePage = apps.get_model("website", "HomePage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    for page in HomePage.objects.all():
        page.body = rich_text_to_blocks(page.legacy_body)
        page.save(update_fields=["body"])
    content_type = ContentType.objects.filter(app_label="website", model="homepage").first()
    if content_type is None:
        return
    for revision in Revision.objects.filter(base_content_type=content_type):
        body = revision.content.get("body")
        if isinstance(body, str) and not body.lstrip().startswith("["):
            revision.content["body"] = rich_text_to_blocks(body)
            revision.save(update_fields=["content"])


def blocks_to_body(apps, schema_editor):
    HomePage = apps.get_model("website", "HomePage")
    for page in HomePage.objects.all():
        page.legacy_body = "".join(
            block["value"] for block in (page.body.raw_data if page.body else []) if block["type"] == "rich_text"
        )
        page.save(update_fields=["legacy_body"])


class Migration(migrations.Migration):
    dependencies = [
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("website", "0006_site_branding_for_the_whole_site"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="StandardPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "body",
                    wagtail.fields.StreamField(
                        [("rich_text", 0)],
                        blank=True,
                        block_lookup={
                            0: (
                                "website.blocks.RichTextSectionBlock",
                                (),
                                {"features": ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]},
                            )
                        },
                    ),
                ),
            ],
            options={
                "verbose_name": "standard page",
            },
            bases=(serving.routing.ServedPage, "wagtailcore.page"),
        ),
        migrations.AddField(
            model_name="sitebranding",
            name="contact_address",
            field=models.TextField(blank=True, help_text="Shown in the footer of every page, as written."),
        ),
        migrations.AddField(
            model_name="sitebranding",
            name="contact_email",
            field=models.EmailField(blank=True, help_text="Shown in the footer of every page.", max_length=254),
        ),
        migrations.AddField(
            model_name="sitebranding",
            name="default_description",
            field=models.CharField(
                blank=True,
                default="Hand-picked goods and paid job listings.",
                help_text="For search engines and sharing: the description of pages that have none of their own.",
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="sitebranding",
            name="footer_links",
            field=wagtail.fields.StreamField(
                [("link", 3)],
                blank=True,
                block_lookup={
                    0: ("wagtail.blocks.PageChooserBlock", (), {"required": False}),
                    1: (
                        "wagtail.blocks.URLBlock",
                        (),
                        {"help_text": "https://… when no page is chosen.", "label": "Or an address", "required": False},
                    ),
                    2: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"help_text": "Defaults to the page's title.", "max_length": 60, "required": False},
                    ),
                    3: ("wagtail.blocks.StructBlock", [[("page", 0), ("url", 1), ("label", 2)]], {}),
                },
                help_text="The footer's links, in this order.",
            ),
        ),
        migrations.AddField(
            model_name="sitebranding",
            name="share_image",
            field=models.ForeignKey(
                blank=True,
                help_text="Shown when a page without a picture of its own (a job listing) is shared.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtailimages.image",
            ),
        ),
        migrations.RenameField(model_name="homepage", old_name="body", new_name="legacy_body"),
        migrations.AddField(
            model_name="homepage",
            name="body",
            field=wagtail.fields.StreamField(
                [("hero", 7), ("featured_products", 12), ("latest_jobs", 15), ("rich_text", 16)],
                blank=True,
                block_lookup={
                    0: (
                        "wagtail.images.blocks.ImageChooserBlock",
                        (),
                        {"help_text": "A wide picture, about 1600 by 700 pixels; it is cropped to fit."},
                    ),
                    1: ("wagtail.blocks.CharBlock", (), {"max_length": 100}),
                    2: ("wagtail.blocks.TextBlock", (), {"max_length": 300, "required": False}),
                    3: ("wagtail.blocks.PageChooserBlock", (), {"required": False}),
                    4: (
                        "wagtail.blocks.URLBlock",
                        (),
                        {"help_text": "https://… when no page is chosen.", "label": "Or an address", "required": False},
                    ),
                    5: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"help_text": "Defaults to the page's title.", "max_length": 60, "required": False},
                    ),
                    6: (
                        "wagtail.blocks.StructBlock",
                        [[("page", 3), ("url", 4), ("label", 5)]],
                        {"help_text": "Leave empty for no button.", "required": False},
                    ),
                    7: ("wagtail.blocks.StructBlock", [[("image", 0), ("heading", 1), ("text", 2), ("button", 6)]], {}),
                    8: ("wagtail.blocks.CharBlock", (), {"default": "Featured products", "max_length": 100}),
                    9: ("wagtail.blocks.PageChooserBlock", (), {"page_type": ["shop.ProductPage"]}),
                    10: (
                        "wagtail.blocks.ListBlock",
                        (9,),
                        {"default": [], "help_text": "In the order shown. Leave empty for the newest products."},
                    ),
                    11: (
                        "wagtail.blocks.IntegerBlock",
                        (),
                        {
                            "default": 4,
                            "help_text": "How many of the newest to show when none are chosen.",
                            "max_value": 12,
                            "min_value": 1,
                        },
                    ),
                    12: ("wagtail.blocks.StructBlock", [[("heading", 8), ("products", 10), ("count", 11)]], {}),
                    13: ("wagtail.blocks.CharBlock", (), {"default": "Latest jobs", "max_length": 100}),
                    14: ("wagtail.blocks.IntegerBlock", (), {"default": 3, "max_value": 12, "min_value": 1}),
                    15: ("wagtail.blocks.StructBlock", [[("heading", 13), ("count", 14)]], {}),
                    16: (
                        "website.blocks.RichTextSectionBlock",
                        (),
                        {"features": ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]},
                    ),
                },
            ),
        ),
        migrations.RunPython(body_to_blocks, blocks_to_body),
        migrations.RemoveField(model_name="homepage", name="legacy_body"),
        migrations.AlterField(
            model_name="homepage",
            name="intro",
            field=models.CharField(
                blank=True,
                help_text="One sentence: the page's description for search engines and sharing, and shown under the title when the page does not open with a hero.",
                max_length=255,
            ),
        ),
    ]
