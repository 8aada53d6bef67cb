import time

from django import template
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.utils import timezone
from wagtail.models import Site

from website.caching import local_copy, pages_generation, remember_locally

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


class ExpiringFragmentNode(template.Node):
    def __init__(self, nodelist, name, vary_on, expires, max_seconds):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.expires = expires
        self.max_seconds = max_seconds

    def render(self, context):

        vary_on = [pages_generation(), *(variable.resolve(context) for variable in self.vary_on)]
        cache_key = make_template_fragment_key(f"website:{self.name}", vary_on)
        # The key holds the pages generation, so this process's copy is exactly as fresh as the shared one; it is
        # kept only until the moment the shared entry itself would end (its expiry, or max_seconds after it was
        # rendered), and spares the shared cache's lock and unpickling on every request.
        now = time.time()
        local = local_copy(cache_key)
        if local is not None and local[1] > now:
            return local[0]
        cached = cache.get(cache_key)
        if cached is not None and len(cached) == 3:
            html, expires_at, until = cached
            # The entry may outlive its moment by the cache's rounding; never serve it past that moment.
            if until > now:
                remember_locally(cache_key, (html, until))
                return html
        html = self.nodelist.render(context)
        # Resolved after rendering, so a lazy listing has been evaluated and knows its earliest expiry.
        expires_at = self.expires.resolve(context) if self.expires is not None else None
        seconds = self.max_seconds.resolve(context)
        if expires_at is not None:
            seconds = min(seconds, int((expires_at - timezone.now()).total_seconds()))
        if seconds > 0:
            until = now + seconds
            if expires_at is not None:
                until = min(until, expires_at.timestamp())
            cache.set(cache_key, (html, expires_at, until), seconds)
            remember_locally(cache_key, (html, until))
        return html


@register.tag
def cache_until(parser, token):
    """`{% cache_until name max_seconds expires vary_on... %}...{% endcache_until %}`: a fragment shared by every
    visitor, kept at most `max_seconds` and never past `expires` (a datetime or None, read after the fragment has
    rendered), and retired at once whenever the pages generation changes (publish, unpublish, move, delete, any
    page save such as a payment recorded on a job listing).
    """
    bits = token.split_contents()
    if len(bits) < 4:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name, max_seconds and an expiry, then vary-on values")
    nodelist = parser.parse(("endcache_until",))
    parser.delete_first_token()
    name = bits[1]
    max_seconds = parser.compile_filter(bits[2])
    expires = None if bits[3] == "None" else parser.compile_filter(bits[3])
    vary_on = [parser.compile_filter(bit) for bit in bits[4:]]
    return ExpiringFragmentNode(nodelist, name, vary_on, expires, max_seconds)


@register.filter
def earliest(items, attribute: str):
    """The earliest non-empty `attribute` among `items` (None when there is none): a listing's first expiry."""
    values = [value for value in (getattr(item, attribute, None) for item in items or ()) if value is not None]
    return min(values) if values else None
