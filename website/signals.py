"""Whatever the cached routes, sites, settings and fragments depend on replaces the pages generation."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from website.caching import invalidate_pages


def _page_changed(sender, instance, **kwargs):
    if isinstance(instance, Page):
        invalidate_pages()


def _branding_saved(sender, instance, created, **kwargs):
    # The first read creates the row with its defaults; nothing cached could hold other values yet.
    if not created:
        invalidate_pages()


def connect() -> None:
    from website.models import SiteBranding

    uid = "website.caching"
    page_published.connect(invalidate_pages, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(invalidate_pages, dispatch_uid=f"{uid}.unpublished")
    page_slug_changed.connect(invalidate_pages, dispatch_uid=f"{uid}.slug")
    post_page_move.connect(invalidate_pages, dispatch_uid=f"{uid}.move")
    # Any page model: a save (stock, price, a draft becoming live) or a delete, whatever the subclass.
    post_save.connect(_page_changed, dispatch_uid=f"{uid}.page_saved")
    post_delete.connect(_page_changed, dispatch_uid=f"{uid}.page_deleted")
    post_save.connect(_branding_saved, sender=SiteBranding, dispatch_uid=f"{uid}.SiteBranding.saved")
    post_delete.connect(invalidate_pages, sender=SiteBranding, dispatch_uid=f"{uid}.SiteBranding.deleted")
    for model in (PageViewRestriction, Site):
        post_save.connect(invalidate_pages, sender=model, dispatch_uid=f"{uid}.{model.__name__}.saved")
        post_delete.connect(invalidate_pages, sender=model, dispatch_uid=f"{uid}.{model.__name__}.deleted")
