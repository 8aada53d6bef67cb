"""The vanilla Wagtail site's URLs: Wagtail's own serve view for every path, nothing else."""

from django.urls import include, path
from wagtail import urls as wagtail_urls

urlpatterns = [path("", include(wagtail_urls))]
