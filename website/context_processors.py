def site_chrome(request):
    """Values the header and footer need on every page."""
    return {}
