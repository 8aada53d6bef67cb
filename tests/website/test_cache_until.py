"""{% cache_until %}: a shared fragment that never outlives the earliest expiry in it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template import Context, Template

from website.caching import invalidate_pages

pytestmark = pytest.mark.django_db

TEMPLATE = Template(
    "{% load website_tags %}{% cache_until board 600 listing.earliest key %}"
    "{% for row in listing.rows %}{{ row }};{% endfor %}{% endcache_until %}"
)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class Listing:
    def __init__(self, rows, earliest):
        self.rows = rows
        self.earliest = earliest


def _render(rows, earliest, key="all"):
    return TEMPLATE.render(Context({"listing": Listing(rows, earliest), "key": key}))


def test_fragment_is_served_from_the_cache_until_its_earliest_expiry():
    with time_machine.travel(NOW, tick=False) as traveller:
        assert _render(["a", "b"], NOW + timedelta(minutes=5)) == "a;b;"
        assert _render(["changed"], NOW + timedelta(minutes=5)) == "a;b;"

        traveller.shift(timedelta(minutes=5))

        assert _render(["b"], None) == "b;"


def test_fragment_is_not_served_one_second_past_the_expiry_even_if_the_cache_still_holds_it():
    with time_machine.travel(NOW, tick=False) as traveller:
        _render(["a"], NOW + timedelta(seconds=30, milliseconds=500))

        traveller.shift(timedelta(seconds=30, milliseconds=600))

        assert _render(["fresh"], None) == "fresh;"


def test_fragment_already_expired_is_not_cached():
    with time_machine.travel(NOW, tick=False):
        assert _render(["a"], NOW - timedelta(seconds=1)) == "a;"
        assert _render(["b"], None) == "b;"


def test_a_new_generation_retires_the_fragment():
    with time_machine.travel(NOW, tick=False):
        _render(["a"], NOW + timedelta(hours=1))

        invalidate_pages()

        assert _render(["paid"], NOW + timedelta(hours=1)) == "paid;"


def test_fragments_vary_on_the_given_values():
    with time_machine.travel(NOW, tick=False):
        _render(["a"], None, key="page=1")

        assert _render(["b"], None, key="page=2") == "b;"
        assert _render(["c"], None, key="page=1") == "a;"


def test_earliest_expiry_among_rows_bounds_the_fragment():
    template = Template(
        '{% load website_tags %}{% cache_until rows 600 rows|earliest:"ends" %}'
        "{% for row in rows %}{{ row.name }};{% endfor %}{% endcache_until %}"
    )

    class Row:
        def __init__(self, name, ends):
            self.name, self.ends = name, ends

    with time_machine.travel(NOW, tick=False) as traveller:
        rows = [Row("late", NOW + timedelta(days=3)), Row("soon", NOW + timedelta(seconds=90)), Row("open", None)]
        assert template.render(Context({"rows": rows})) == "late;soon;open;"
        assert template.render(Context({"rows": rows[:1]})) == "late;soon;open;"

        traveller.shift(timedelta(seconds=90))

        assert template.render(Context({"rows": rows[:1]})) == "late;"
