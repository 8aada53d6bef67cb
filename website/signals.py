"""What retires cached pages (website.page_cache): each change purges the pages that show it, and no more.

A page published, unpublished, moved, deleted or put under a view restriction: the page, its descendants (their
URLs or access changed with it) and its parent (the listing that shows it). A Site or the site branding: every
page, as every page shows them. Stock: an editor's change purges that product and the shop listing; an order's
holds, sale, release or restock purge only those of its products whose page could look different now
(`order_products_purge`).
"""

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from shop.models import Order, OrderLine, ProductPage, ProductVariant, ShopIndexPage, Stock
from website.blocks import BLOCKS_SHOWING
from website.context_processors import SECTION_MODELS, SECTIONS_CACHE_KEY
from website.footer import footer_links_forget, footer_links_page_ids
from website.models import HomePage, SiteBranding
from website.page_cache import page_cache_purge, page_cache_purge_on_commit, page_cache_purge_site


def pages_around(page) -> list:
    """The page, its descendants and its parent."""
    pages = [page, *Page.objects.descendant_of(page)]
    parent = page.get_parent()
    if parent is not None:
        pages.append(parent)
    return pages


def homes_showing(model) -> list:
    """The home pages with a block that lists pages of `model` (ProductPage, JobPage); none for other models. One
    query, only for those two models."""
    block_type = next((block for shown, block in BLOCKS_SHOWING.items() if issubclass(model, shown)), None)
    if block_type is None:
        return []
    return [home for home in HomePage.objects.all() if block_type in home.block_types()]


def _footer_may_change(page) -> None:
    """A page the footer links to changed: its link (every page shows it) follows."""
    if page is not None and page.pk in footer_links_page_ids():

        def retire():
            footer_links_forget()
            page_cache_purge_site()

        retire()
        transaction.on_commit(retire, robust=True)


def _sections_may_change(page) -> None:
    """A section index, or a page above one, changed: the header's section links (on every page) may follow."""
    if page is None:
        return
    if any(model.objects.filter(path__startswith=page.path).exists() for _, model in SECTION_MODELS):

        def retire():
            cache.delete(SECTIONS_CACHE_KEY)
            page_cache_purge_site()

        # Now (this process's next read sees it) and again once committed, as page_cache_purge_on_commit does.
        retire()
        transaction.on_commit(retire, robust=True)


def _page_changed(sender, instance, **kwargs):
    _sections_may_change(instance)
    _footer_may_change(instance)
    page_cache_purge_on_commit(pages=[*pages_around(instance), *homes_showing(type(instance))])


def _page_moved(sender, instance, parent_page_before=None, parent_page_after=None, **kwargs):
    _sections_may_change(instance)
    _footer_may_change(instance)
    page_cache_purge_on_commit(
        pages=[*pages_around(instance), parent_page_before, parent_page_after, *homes_showing(type(instance))]
    )


def _page_deleted(sender, instance, **kwargs):
    # Before the delete, while the tree still knows the parent. Descendants get their own pre_delete.
    _sections_may_change(instance)
    _footer_may_change(instance)
    page_cache_purge_on_commit(pages=[instance, instance.get_parent(), *homes_showing(type(instance))])


def _restriction_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    _sections_may_change(page)
    _footer_may_change(page)
    if page is not None:
        page_cache_purge_on_commit(pages=[*pages_around(page), *homes_showing(page.specific_class or Page)])


def _page_saved(sender, instance, created, **kwargs):
    # Any save of a page row (a listing's paid week recorded by billing, say): the page, the listing showing it and
    # the home pages listing its kind.
    if not created:
        page_cache_purge_on_commit(pages=[instance, instance.get_parent(), *homes_showing(type(instance))])
    elif instance.live:
        # Made live without a publish (`add_child(instance=...)` of a live page, as setup_site does): the listing
        # that now shows it, and the header if it is a section.
        _sections_may_change(instance)
        page_cache_purge_on_commit(pages=[instance.get_parent(), *homes_showing(type(instance))])


def _stock_saved(sender, instance, **kwargs):
    product = ProductPage.objects.filter(variants=instance.variant_id).first()
    page_cache_purge_on_commit(pages=[product, *ShopIndexPage.objects.all(), *homes_showing(ProductPage)])


def order_products_purge(*, order_id: int) -> None:
    """Purge the order's products whose pages could show something else now, and the listing if it could.

    A product page shows each variant's availability as a label ("Only 3 left" at or below
    SHOP_LOW_STOCK_THRESHOLD, "Sold out") and a quantity choice up to SHOP_MAX_QUANTITY_PER_LINE; an order moves a
    variant's availability by its line's quantity. When the figure stays above both bounds before and after, the
    page is the same and stays cached. The listing shows "Sold out" when every variant is: judged on the product's
    total.
    """
    rows = list(
        OrderLine.objects.filter(order_id=order_id, variant__isnull=False).values_list("product", "variant", "quantity")
    )
    if not rows:
        return
    by_variant = {variant_id: quantity for _product_id, variant_id, quantity in rows}
    by_product: dict[int, int] = {}
    for product_id, _variant_id, quantity in rows:
        by_product[product_id] = by_product.get(product_id, 0) + quantity
    threshold = settings.SHOP_LOW_STOCK_THRESHOLD
    page_bound = max(threshold, settings.SHOP_MAX_QUANTITY_PER_LINE)
    low_products = {
        variant.product_id
        for variant in ProductVariant.objects.filter(pk__in=by_variant).with_availability()
        if variant.available_quantity - by_variant[variant.pk] <= page_bound
    }
    changed, listing_changed = [], False
    for product in ProductPage.objects.filter(pk__in=by_product).with_availability():
        if product.pk in low_products:
            changed.append(product)
        listing_changed = listing_changed or product.available_quantity - by_product[product.pk] <= threshold
    if listing_changed:
        changed.extend([*ShopIndexPage.objects.all(), *homes_showing(ProductPage)])
    page_cache_purge(pages=changed)


def _order_saved(sender, instance, created, update_fields=None, **kwargs):
    # Created (holds follow in the same transaction), or its status or restock changed: stock moved.
    if not created and update_fields is not None and not {"status", "restocked_at"} & set(update_fields):
        return
    order_id = instance.pk
    transaction.on_commit(lambda: order_products_purge(order_id=order_id), robust=True)


def _site_changed(**kwargs):
    footer_links_forget()
    page_cache_purge_site()


def connect() -> None:
    uid = "website.page_cache"
    page_published.connect(_page_changed, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(_page_changed, dispatch_uid=f"{uid}.unpublished")
    page_slug_changed.connect(_page_changed, dispatch_uid=f"{uid}.slug")
    post_page_move.connect(_page_moved, dispatch_uid=f"{uid}.move")
    # Per page model, never for every model: a delete receiver on all models would cost every bulk delete (the
    # cart purge's, say) Django's fast path.
    for model in apps.get_models():
        if issubclass(model, Page):
            pre_delete.connect(_page_deleted, sender=model, dispatch_uid=f"{uid}.{model._meta.label}.deleted")
            post_save.connect(_page_saved, sender=model, dispatch_uid=f"{uid}.{model._meta.label}.saved")
    post_save.connect(_stock_saved, sender=Stock, dispatch_uid=f"{uid}.stock_saved")
    post_save.connect(_order_saved, sender=Order, dispatch_uid=f"{uid}.order_saved")
    post_save.connect(_restriction_changed, sender=PageViewRestriction, dispatch_uid=f"{uid}.restriction.saved")
    post_delete.connect(_restriction_changed, sender=PageViewRestriction, dispatch_uid=f"{uid}.restriction.deleted")
    for model in (Site, SiteBranding):
        post_save.connect(_site_changed, sender=model, dispatch_uid=f"{uid}.{model.__name__}.saved")
        post_delete.connect(_site_changed, sender=model, dispatch_uid=f"{uid}.{model.__name__}.deleted")
