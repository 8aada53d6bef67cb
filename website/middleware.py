from website.caching import site_for_request


class CachedSiteMiddleware:
    """Put the request's Wagtail Site in place from the cache, before Wagtail would query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site_for_request(request)
        return self.get_response(request)
