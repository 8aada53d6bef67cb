"""The vanilla Wagtail page the cold figures are compared with: a title and a rich-text body, nothing else.

Installed only under the benchmark's settings (benchmarks.settings, benchmarks.vanilla_settings).
"""

from wagtail.fields import RichTextField
from wagtail.models import Page


class VanillaPage(Page):
    body = RichTextField(blank=True)

    template = "benchmarks/vanilla_page.html"
