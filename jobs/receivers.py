"""Receivers: the paid hook (whatever saves a JobPage, its paid fields are recomputed from billing's ledger first),
and billing's news about a listing's payments, which recompute them at once."""

from django.db.models.signals import pre_save
from django.dispatch import receiver
from wagtail.models import Page

from billing.signals import charge_dispute_won, charge_disputed, charge_refunded, charge_succeeded
from jobs.models import JobPage
from jobs.services import PAID_FIELDS, job_apply_paid_status, job_paid_status, job_refresh_paid_status


@receiver(pre_save, sender=JobPage, dispatch_uid="jobs.paid_hook")
def recompute_paid_status(sender, instance: JobPage, update_fields=None, raw=False, **kwargs):
    """Runs before every save: the poster's form, the admin, publishing any revision (an old one too),
    scheduled publishing, bulk actions, tasks. A value carried in a revision is overwritten here.

    A save limited to other fields (`update_fields`, as save_revision() does) would not write the paid
    fields, so they are written beside it, keeping the stored flag in step on that path too.
    """
    if raw:  # loading fixtures: the ledger may not be loaded yet
        return
    job_apply_paid_status(page=instance)
    if update_fields is not None and instance.pk is not None and not set(PAID_FIELDS) <= set(update_fields):
        JobPage.objects.filter(pk=instance.pk).update(**{field: getattr(instance, field) for field in PAID_FIELDS})


@receiver(pre_save, sender=Page, dispatch_uid="jobs.paid_hook_generic_page")
def recompute_paid_status_through_generic_page(sender, instance: Page, raw=False, **kwargs):
    """Wagtail saves a plain Page instance on some paths (bulk unpublish, moving): its JobPage row follows too."""
    if raw or instance.pk is None or isinstance(instance, JobPage) or instance.specific_class is not JobPage:
        return
    status = job_paid_status(page=instance)
    JobPage.objects.filter(pk=instance.pk).update(
        paid=status.paid, paid_until=status.paid_until, last_paid_at=status.last_paid_at
    )


@receiver(charge_succeeded, sender=JobPage, dispatch_uid="jobs.listing_paid")
@receiver(charge_refunded, sender=JobPage, dispatch_uid="jobs.listing_refunded")
@receiver(charge_disputed, sender=JobPage, dispatch_uid="jobs.listing_disputed")
@receiver(charge_dispute_won, sender=JobPage, dispatch_uid="jobs.listing_dispute_won")
def refresh_paid_status_on_payment_news(sender, charge, payable, **kwargs):
    """A payment, refund, dispute or won dispute changes the listing's paid week now, not at its next save."""
    job_refresh_paid_status(page=payable)
