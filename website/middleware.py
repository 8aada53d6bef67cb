from website.caching import pin_generation_for_request, site_for_request, unpin_generation


class CachedSiteMiddleware:
    """Read the pages generation once for the request and put its Wagtail Site in place from the cache, before
    Wagtail would query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = pin_generation_for_request()
        try:
            site_for_request(request)
            return self.get_response(request)
        finally:
            unpin_generation(token)
