"""The product's URLs plus the floor views under /__floor__/; used only while the benchmark runs."""

from django.urls import include, path

from benchmarks import floors, jobs

urlpatterns = [
    path("__floor__/", floors.home),
    path("__floor__/shop/", floors.product_list),
    path("__floor__/shop/<slug:slug>/", floors.product),
    path("__floor__/cart/", floors.cart),
    path("__floor__/jobs/", jobs.job_list),
    path("__floor__/jobs/<slug:slug>/", jobs.job),
    path("", include("website.urls")),
]
