from django import template
from wagtail.models import Site

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
