from django import template
from django.conf import settings
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.html import format_html
from wagtail.models import Site

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
