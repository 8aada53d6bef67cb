"""The board as RSS at /jobs/feed/: paid listings only, most recently paid first."""

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape
from wagtail.rich_text import expand_db_html

from jobs.models import JobPage

FEED_SIZE = 50


class JobBoardFeed(Feed):
    feed_type = Rss201rev2Feed
    title = "Jobs"
    link = "/jobs/"
    description = "Job listings on the board, most recently paid first."

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return None

    def items(self):
        return JobPage.objects.on_board(timezone.now())[:FEED_SIZE]

    def item_title(self, item: JobPage):
        return f"{item.title} at {item.company}"

    def item_description(self, item: JobPage):
        facts = " · ".join(
            part for part in (item.place_display, item.get_employment_type_display(), item.salary_display) if part
        )
        return f"<p>{escape(facts)}</p>{expand_db_html(item.description)}"

    def item_link(self, item: JobPage):
        return item.get_url(self.request) or "/jobs/"

    def item_guid(self, item: JobPage):
        return f"job-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: JobPage):
        return item.last_paid_at or item.first_published_at

    def item_updateddate(self, item: JobPage):
        return item.last_published_at

    def item_categories(self, item: JobPage):
        return item.tag_names
