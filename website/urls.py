from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from accounts import urls as accounts_urls
from website import views

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("csrf/", views.csrf_cookie, name="csrf_cookie"),
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

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", views.media, name="media")]

# Wagtail serves every path not caught above (its own serve view); it must stay last.
urlpatterns += [path("", include(wagtail_urls))]
