"""The footer's links (SiteBranding.footer_links), resolved once and shared by every process through the cache.

Every page shows them, the cart and account pages too: resolving the linked pages on each render would cost those
views a query. website.signals forgets the entry (and retires every cached page) when the setting is saved or when a
page it links to is published, unpublished, moved, renamed or deleted.
"""

from __future__ import annotations

from django.core.cache import cache

FOOTER_LINKS_CACHE_KEY = "website:footer-links"


def footer_links(branding) -> list[dict[str, str]]:
    """[{"href", "text"}] in the editors' order; a link to a page that is not live is left out."""
    return footer_entry(branding)["links"]


def footer_entry(branding) -> dict:
    def compute():
        links, page_ids = [], []
        for child in branding.footer_links:
            page = child.value.get("page")
            if page is not None:
                page_ids.append(page.pk)
                if not page.live:
                    continue
            href, text = child.value.href(), child.value.text()
            if href and text:
                links.append({"href": href, "text": text})
        return {"links": links, "page_ids": page_ids}

    return cache.get_or_set(FOOTER_LINKS_CACHE_KEY, compute, timeout=None)


def footer_links_page_ids() -> list[int]:
    """The pages the cached footer links to (none when nothing is cached: the next render reads them afresh)."""
    entry = cache.get(FOOTER_LINKS_CACHE_KEY)
    return entry["page_ids"] if entry else []


def footer_links_forget() -> None:
    cache.delete(FOOTER_LINKS_CACHE_KEY)
