"""What every site needs after `migrate`, demo or not: the shop and job board index pages under the default site's
home page, and the "Job posters" group holding the permission to post listings (`manage.py setup_site`).

Idempotent: what exists is left as it is (an editor may have retitled, moved or unpublished a section since), so
running it on every deploy changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Page, Site

from jobs.models import JobIndexPage
from shop.models import ShopIndexPage

JOB_POSTERS_GROUP = "Job posters"


@dataclass(frozen=True)
class Section:
    model: type[Page]
    title: str
    slug: str
    intro: str


SECTIONS = (
    Section(ShopIndexPage, "Shop", "shop", "<p>Goods for sale.</p>"),
    Section(JobIndexPage, "Jobs", "jobs", "<p>Jobs on offer. Post yours for a week.</p>"),
)


class SiteSetupError(Exception):
    """The site cannot be set up as it stands (no default site, a slug taken by another page)."""


def site_setup() -> list[str]:
    """Create what is missing; returns one line per item saying what happened. Changes nothing on an error."""
    with transaction.atomic():
        report = [_job_posters_group_ensure()]
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise SiteSetupError("There is no default Wagtail site; create one (Settings → Sites) and run this again.")
        home = site.root_page.specific
        report += [_section_ensure(section, home) for section in SECTIONS]
    return report


def _job_posters_group_ensure() -> str:
    group, created = Group.objects.get_or_create(name=JOB_POSTERS_GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label="jobs", codename="post_job"))
    return f"{'created' if created else 'exists':>8}  group {JOB_POSTERS_GROUP!r} (may post job listings)"


def _section_ensure(section: Section, home: Page) -> str:
    existing = section.model.objects.first()
    if existing is not None:
        where = existing.url if existing.live else f"{existing.url_path} (not live)"
        return f"{'exists':>8}  {section.title.lower()} index at {where}"
    if home.get_children().filter(slug=section.slug).exists():
        raise SiteSetupError(
            f"Another page under the home page already has the slug {section.slug!r}; rename it, or add the "
            f"{section.title.lower()} index page yourself in the Wagtail admin."
        )
    page = section.model(title=section.title, slug=section.slug, intro=section.intro)
    home.add_child(instance=page)
    page.save_revision().publish()
    return f"{'created':>8}  {section.title.lower()} index at /{section.slug}/"
