"""The board as RSS at /jobs/feed/: paid listings only, most recently paid first, with the board's own filters
(?q=, ?remote=, ?location=, ?employment_type=, ?tag=) and links on the site's real root URL."""

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape
from wagtail.rich_text import expand_db_html

from jobs.forms import JobBoardFilterForm
from jobs.models import JobPage, site_root_url
from jobs.selectors import job_board_queryset

FEED_SIZE = 50


class JobBoardFeed(Feed):
    feed_type = Rss201rev2Feed
    title = "Jobs"
    description = "Job listings on the board, most recently paid first."

    def get_object(self, request, *args, **kwargs):
        # The filters, as /jobs/ reads them (an unusable value is dropped, never an error).
        return JobBoardFilterForm(data=request.GET).values()

    def link(self, filters):
        return f"{site_root_url()}/jobs/"

    def items(self, filters):
        return job_board_queryset(filters=filters, now=timezone.now())[:FEED_SIZE]

    def item_title(self, item: JobPage):
        return f"{item.title} at {item.company}"

    def item_description(self, item: JobPage):
        facts = " · ".join(
            part for part in (item.place_display, item.get_employment_type_display(), item.salary_display) if part
        )
        return f"<p>{escape(facts)}</p>{expand_db_html(item.description)}"

    def item_link(self, item: JobPage):
        return item.canonical_url() or f"{site_root_url()}/jobs/"

    def item_guid(self, item: JobPage):
        return f"job-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: JobPage):
        return item.last_paid_at or item.first_published_at

    def item_updateddate(self, item: JobPage):
        return item.last_published_at

    def item_categories(self, item: JobPage):
        return item.tag_names
