"""An editor driving the Wagtail admin of a running server over HTTP, as a browser posts its forms (the
multi-process tests make their changes through one gunicorn process and read them through another)."""

from __future__ import annotations

import requests
from bs4 import BeautifulSoup

SKIPPED_INPUTS = {"submit", "button", "file", "image", "reset"}


def form_fields(form) -> dict[str, str]:
    """What a browser would submit from `form` unchanged: inputs (checked boxes only), textareas and selects."""
    data: dict[str, str] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            data[name] = field.text
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", chosen.text) if chosen else ""
        elif field.get("type", "text").lower() in {"checkbox", "radio"}:
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type", "text").lower() not in SKIPPED_INPUTS:
            data[name] = field.get("value", "")
    return data


class WagtailAdmin:
    def __init__(self, base: str, *, username: str, password: str):
        self.base = base
        self.http = requests.Session()
        login = self.http.get(f"{base}/admin/login/", timeout=30)
        self._post(
            "/admin/login/",
            {**form_fields(self._form(login.text, "/admin/login/")), "username": username, "password": password},
        )

    def _form(self, html: str, action_contains: str):
        for form in BeautifulSoup(html, "html.parser").find_all("form"):
            if action_contains in (form.get("action") or ""):
                return form
        raise AssertionError(f"no form posting to {action_contains!r} on the page")

    def _post(self, path: str, data: dict, **headers) -> requests.Response:
        response = self.http.post(
            self.base + path,
            data=data,
            headers={"Referer": self.base + path, "X-CSRFToken": self.http.cookies.get("csrftoken", ""), **headers},
            allow_redirects=False,
            timeout=60,
        )
        if response.status_code not in (200, 302):
            raise AssertionError(f"POST {path} answered {response.status_code}: {response.text[:500]}")
        return response

    def publish(self, page_id: int, **changes) -> requests.Response:
        """Open the page's edit form, change these fields, and press Publish."""
        path = f"/admin/pages/{page_id}/edit/"
        form = self._form(self.http.get(self.base + path, timeout=60).text, path)
        data = {**form_fields(form), **{name: str(value) for name, value in changes.items()}}
        response = self._post(path, {**data, "action-publish": "action-publish"})
        if response.status_code != 302:
            raise AssertionError(f"publishing page {page_id} was refused: {response.text[:2000]}")
        return response

    def unpublish(self, page_id: int) -> requests.Response:
        path = f"/admin/pages/{page_id}/unpublish/"
        form = self._form(self.http.get(self.base + path, timeout=60).text, path)
        return self._post(path, form_fields(form))

    def restrict_to_signed_in_visitors(self, page_id: int) -> requests.Response:
        """The page's privacy setting (the admin's modal form) set to "Private, accessible to logged-in users"."""
        path = f"/admin/pages/{page_id}/privacy/"
        return self._post(path, {"restriction_type": "login", "password": "", "groups": []})
