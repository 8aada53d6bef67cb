from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.urls import serve_pattern

from accounts import urls as accounts_urls
from website import serving, views

urlpatterns = [
    # The home page, the busiest URL, without first trying every pattern below (none of them matches "/").
    path("", serving.serve, {"path": ""}),
    path("healthz/", views.healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include(accounts_urls.site_patterns)),
    path("accounts/", include(accounts_urls)),
    path("auth/", include("social_django.urls", namespace="social")),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("", include("shop.urls")),
    path("jobs/", include("jobs.urls")),
    path("billing/", include("billing.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every path not caught above; it must stay last. Pages go through website.serving first (Wagtail's
# serve view with cached routing); Wagtail's own URLs keep its password and login views.
urlpatterns += [
    re_path(serve_pattern, serving.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
]
