"""Production's caching of what does not change per visitor: hashed static files kept for a year or more,
uploaded media with a Cache-Control, HTML compressed for clients that accept it (deploy/media.md)."""

import gzip
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client

from tests.website.test_settings import COMPLETE_ENV, import_production_settings

pytestmark = pytest.mark.django_db

ONE_YEAR = 365 * 24 * 60 * 60


def max_age(cache_control: str) -> int:
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age":
            return int(value)
    return -1


@pytest.fixture(scope="module")
def production_storages() -> dict:
    """STORAGES as production sets it (read in a subprocess: production's settings refuse to load without secrets)."""
    result = import_production_settings(
        COMPLETE_ENV, then="import json; from django.conf import settings; print(json.dumps(settings.STORAGES))"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def collected_static(settings, tmp_path, production_storages):
    """collectstatic as a deploy runs it, with production's storage, of the site's own files (not the admin's: the
    storage is what is tested, not how many files there are)."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = production_storages
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
    return settings.STATIC_ROOT


def test_production_stores_static_files_under_hashed_names(production_storages):
    backend = production_storages["staticfiles"]["BACKEND"]
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_a_hashed_static_file_is_kept_for_a_year_and_never_revalidated(collected_static):
    from django.templatetags.static import static

    url = static("css/site.css")
    assert url != "/static/css/site.css"  # a hashed name

    response = Client().get(url)

    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control
    assert "public" in cache_control
    assert max_age(cache_control) >= ONE_YEAR


def test_a_hashed_static_file_comes_compressed(collected_static):
    from django.templatetags.static import static

    response = Client().get(static("css/site.css"), HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert b"".join(response.streaming_content)[:2] == b"\x1f\x8b"


@pytest.fixture
def uploaded():
    name = default_storage.save("caching-test/hello.txt", ContentFile(b"hello"))
    yield name
    default_storage.delete(name)


def test_media_is_served_with_a_cache_control(client, settings, uploaded):
    response = client.get(settings.MEDIA_URL + uploaded)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert max_age(cache_control) == settings.MEDIA_CACHE_SECONDS > 0


@pytest.fixture
def uploaded_picture():
    name = default_storage.save("caching-test/dot.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 400))
    yield name
    default_storage.delete(name)


def test_a_picture_is_not_gzipped(client, settings, uploaded_picture):
    response = client.get(settings.MEDIA_URL + uploaded_picture, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert not response.has_header("Content-Encoding")


def test_missing_media_is_a_404_and_nothing_outside_media_root_is_served(client, settings):
    assert client.get(settings.MEDIA_URL + "caching-test/none.txt").status_code == 404
    assert client.get(settings.MEDIA_URL + "../settings.py").status_code in (400, 404)


@pytest.mark.parametrize("url", ["/", "/cart/"])
def test_html_is_gzipped_for_clients_that_accept_it(client, home_page, url):
    for _ in range(3):  # the last answer of a page comes from the page cache
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert b"</html>" in gzip.decompress(response.content)


def test_html_is_plain_for_clients_that_do_not_accept_gzip(client, home_page):
    client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    client.get("/", HTTP_ACCEPT_ENCODING="gzip")  # stored, compressed or not?

    response = client.get("/")

    assert response["X-Page-Cache"] == "hit"
    assert not response.has_header("Content-Encoding")
    assert b"</html>" in response.content
