"""Whatever the cached routes, sites, settings and fragments depend on replaces the pages generation.

Twice: at once, so the process making the change sees it, and again when the transaction commits, so nothing
another request cached from the old rows while the transaction was open outlives it.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from shop.models import Order
from website.caching import invalidate_pages
from website.models import SiteBranding


def invalidate(**kwargs) -> None:
    invalidate_pages()
    transaction.on_commit(invalidate_pages)


def _page_changed(sender, instance, **kwargs):
    if isinstance(instance, Page):
        invalidate()


def _branding_saved(sender, instance, created, **kwargs):
    # The first read creates the row with its defaults; nothing cached could hold other values yet.
    if not created:
        invalidate()


def connect() -> None:
    uid = "website.caching"
    page_published.connect(invalidate, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(invalidate, dispatch_uid=f"{uid}.unpublished")
    page_slug_changed.connect(invalidate, dispatch_uid=f"{uid}.slug")
    post_page_move.connect(invalidate, dispatch_uid=f"{uid}.move")
    # Any page model: a save (stock, price, a draft becoming live) or a delete, whatever the subclass.
    post_save.connect(_page_changed, dispatch_uid=f"{uid}.page_saved")
    post_delete.connect(_page_changed, dispatch_uid=f"{uid}.page_deleted")
    post_save.connect(_branding_saved, sender=SiteBranding, dispatch_uid=f"{uid}.SiteBranding.saved")
    post_delete.connect(invalidate, sender=SiteBranding, dispatch_uid=f"{uid}.SiteBranding.deleted")
    # Stock moves with orders (holds taken at checkout, units sold on payment, restocked on refund) through
    # queryset updates that send no page signal; every such change saves its order.
    for model in (PageViewRestriction, Site, Order):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"{uid}.{model.__name__}.saved")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"{uid}.{model.__name__}.deleted")
