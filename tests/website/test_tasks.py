"""The site's scheduled tasks, run as django-q2 runs them: from their Schedule rows."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from shop.factories import ProductPageFactory, ShopIndexPageFactory
from shop.models import Cart, ProductPage
from website.schedules import schedules_sync

pytestmark = pytest.mark.django_db


def run_schedule(name: str):
    """What the cluster does when a schedule falls due (tasks run in this process under the test settings)."""
    schedule = Schedule.objects.get(name=name)
    return async_task(schedule.func, group=schedule.name)


def test_a_product_past_its_expiry_stops_being_live_and_purchasable_within_a_minute(client, home_page):
    product = ProductPageFactory(parent=ShopIndexPageFactory(parent=home_page), title="Calendar 2025", sku="CAL-25")
    product.expire_at = timezone.now() - timedelta(minutes=1)
    product.save_revision().publish()
    product.refresh_from_db()
    # Wagtail only marks the page expired when its publish_scheduled command runs.
    assert product.live

    schedules_sync()
    schedule = Schedule.objects.get(name="publish-scheduled-pages")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
    run_schedule("publish-scheduled-pages")

    product = ProductPage.objects.get(pk=product.pk)
    assert (product.live, product.expired) == (False, True)
    assert client.get(product.url_path.removeprefix("/home")).status_code == 404
    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1})
    assert response.status_code >= 400
    assert not Cart.objects.filter(lines__product=product).exists()


def test_a_page_scheduled_to_go_live_is_published_by_the_schedule(home_page):
    index = ShopIndexPageFactory(parent=home_page)
    product = ProductPageFactory(parent=index, title="Spring tee", sku="TEE-SPRING", live=False)
    product.go_live_at = timezone.now() - timedelta(seconds=30)
    product.save_revision(approved_go_live_at=product.go_live_at)

    schedules_sync()
    run_schedule("publish-scheduled-pages")

    assert ProductPage.objects.get(pk=product.pk).live
