"""website 0007: the home page's old rich-text body becomes one rich text block, in the page and its revisions."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("website", "0006_site_branding_for_the_whole_site")]
AFTER = [("website", "0007_home_page_blocks")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_old_body_becomes_a_rich_text_block_in_the_page_and_its_revisions():
    old = migrate(BEFORE)
    HomePage = old.get_model("website", "HomePage")
    ContentType = old.get_model("contenttypes", "ContentType")
    Revision = old.get_model("wagtailcore", "Revision")
    home = HomePage.objects.get()
    HomePage.objects.filter(pk=home.pk).update(body="<p>Old <b>welcome</b>.</p>")
    content_type = ContentType.objects.get(app_label="website", model="homepage")
    revision = Revision.objects.create(
        content_type=content_type,
        base_content_type=content_type,
        object_id=str(home.pk),
        content={"title": "Welcome", "body": "<p>A revision's text.</p>"},
        created_at=timezone.now(),
    )

    try:
        new = migrate(AFTER)
        body = new.get_model("website", "HomePage").objects.get(pk=home.pk).body
        raw = body.raw_data if hasattr(body, "raw_data") else body
        assert [(block["type"], block["value"]) for block in raw] == [("rich_text", "<p>Old <b>welcome</b>.</p>")]
        content = new.get_model("wagtailcore", "Revision").objects.get(pk=revision.pk).content
        assert '"rich_text"' in content["body"] and "A revision's text." in content["body"]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
