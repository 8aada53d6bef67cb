import html
import re
from urllib.parse import urljoin

from django import template
from django.conf import settings
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from wagtail.models import Page, Site

from website import footer as website_footer
from website.models import SiteBranding
from website.page_cache import request_may_use_cache

register = template.Library()


@register.simple_tag(takes_context=True)
def parent_url(context, page) -> str:
    """The URL of `page`'s parent on the request's site, from url_path alone: no query for the parent.

    Falls back to Wagtail's own lookup when the parent is not under the site's root page.
    """
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    parent_path = page.url_path.rstrip("/").rsplit("/", 1)[0] + "/"
    if site is not None:
        root_path = site.root_page.url_path
        if parent_path.startswith(root_path):
            return "/" + parent_path[len(root_path) :]
    parent = page.get_parent()
    return parent.get_url(request=request) or "" if parent is not None else ""


@register.simple_tag(takes_context=True)
def shared_csrf_input(context):
    """The CSRF field of a form on a page that may be cached whole (website.page_cache): empty for a visitor the
    cache serves (static/js/csrf.js fills it from their own cookie on submit), Django's own field for others."""
    request = context.get("request")
    if request is not None and request_may_use_cache(request):
        return format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-from-cookie="{}" '
            'data-csrf-cookie-name="{}">',
            reverse("csrf_cookie"),
            settings.CSRF_COOKIE_NAME,
        )
    return csrf_input(request) if request is not None else ""


# --- Search engines and sharing -------------------------------------------------------------------------------------

# The picture a shared page shows: a JPEG (what every network's crawler reads) in a size product pages already
# prefetch for their gallery (shop.querysets.GALLERY_SIZES), so a product page's tags cost no query of their own.
SHARE_RENDITION = "format-jpeg|fill-1200x900"
DESCRIPTION_MAX_CHARS = 160
TAG = re.compile(r"<[^>]*>")


def plain_text(value) -> str:
    """Text of a description that may be HTML (a rich text field): tags dropped (each a space, so paragraphs stay
    apart), entities read, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(TAG.sub(" ", str(value or "")))).split())


def truncate_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


@register.inclusion_tag("includes/meta.html", takes_context=True)
def page_meta(context, description="", image=None, og_type="website", share_image=False):
    """The description, canonical address and sharing tags of the page being rendered.

    The description is the page's search description, else the `description` given (a product's summary, a job's
    text), else the page's `intro`, else the site's default. Wagtail pages get Open Graph and Twitter card tags,
    with `image` (a product's picture), or the site's share image when `share_image` is set (a job).
    """
    request = context.get("request")
    page = context.get("page")
    if not isinstance(page, Page):
        page = None
    branding = SiteBranding.load(request_or_site=request)
    candidates = [getattr(page, "search_description", ""), description]
    intro = getattr(page, "intro", "")
    if isinstance(intro, str):
        candidates.append(intro)
    candidates.append(branding.default_description)
    text = next((plain_text(value) for value in candidates if plain_text(value)), "")
    text = truncate_at_word(text, DESCRIPTION_MAX_CHARS)
    if page is not None:
        canonical = page.get_full_url(request=request) or ""
    elif request is not None:
        canonical = request.build_absolute_uri(request.path)
    else:
        canonical = ""
    result = {"description": text, "canonical": canonical, "page": page}
    if page is None:
        return result
    if not image and share_image:
        image = branding.share_image
    image_url = ""
    if image:
        # On the canonical address's root, as the page's own address (an absolute media URL stays as it is).
        image_url = urljoin(canonical, image.get_rendition(SHARE_RENDITION).url)
    result.update(
        title=page.seo_title or page.title,
        site_name=branding.site_name,
        og_type=og_type,
        image_url=image_url,
        image_alt=page.title if image is not None else "",
    )
    return result


@register.simple_tag
def footer_links(branding) -> list[dict[str, str]]:
    """The footer's links ({"href", "text"}), from the shared cache entry (website.footer)."""
    return website_footer.footer_links(branding)
