"""How the site's pages are served: shared by every app's page models (shop, jobs, website), importing none of them."""
