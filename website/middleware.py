from website.caching import pin_generation_for_request, unpin_generation


class PagesGenerationMiddleware:
    """Read the pages generation (website.caching) at most once per request, on first use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = pin_generation_for_request()
        try:
            return self.get_response(request)
        finally:
            unpin_generation(token)
