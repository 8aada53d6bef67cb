"""Asking for posting rights at /jobs/new/, and an editor deciding in the Wagtail admin.

Covers jobs.rights and jobs.admin_views."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from jobs import rights
from jobs.models import JobBoardSettings, PostingRightsRequest

pytestmark = pytest.mark.django_db

REQUEST = {"company": "Acme", "website": "https://acme.example.com", "about": "A senior Python developer in Berlin"}


def ask(client, **changes):
    return client.post("/jobs/posting-rights/", {**REQUEST, **changes})


def test_a_user_without_rights_asks_from_the_site_and_is_told_an_editor_will_answer(client, user, job_index):
    client.force_login(user)

    response = ask(client)

    assert response.status_code == 302 and response["Location"] == "/jobs/new/"
    request = PostingRightsRequest.objects.get(user=user)
    assert (request.company, request.website, request.status) == ("Acme", "https://acme.example.com", "open")
    page = client.get("/jobs/new/")
    assert "An editor will answer" in page.text
    assert 'name="company"' not in page.text
    assert not user.has_perm("jobs.post_job")


def test_only_one_open_request_per_user(client, user, job_index):
    client.force_login(user)
    ask(client)

    response = ask(client, company="Other")

    assert response.status_code == 302
    assert PostingRightsRequest.objects.filter(user=user).count() == 1
    with pytest.raises(rights.RequestNotAllowed):
        rights.posting_rights_request_create(user=user, company="X", website="https://x.example", about="x")


def test_a_bad_request_is_refused_with_an_error_and_saves_nothing(client, user, job_index):
    client.force_login(user)

    response = ask(client, website="not a web address", about="   ")

    assert response.status_code == 400
    assert "Enter a valid URL" in response.text
    assert not PostingRightsRequest.objects.exists()


def test_the_dashboard_counts_open_requests_for_editors(client, editor, user, other_user):
    rights.posting_rights_request_create(user=user, **REQUEST)
    rights.posting_rights_request_create(user=other_user, **REQUEST)
    client.force_login(editor)

    response = client.get(reverse("wagtailadmin_home"))

    assert "2 posting-rights requests" in response.text


def test_an_editor_approves_in_the_admin_the_user_joins_job_posters_and_is_told(client, editor, user, job_index):
    request = rights.posting_rights_request_create(user=user, **REQUEST)
    client.force_login(editor)
    listing = client.get(reverse("jobs_posting_rights:index"))
    assert listing.status_code == 200 and "Acme" in listing.text
    assert f'href="{reverse("jobs_posting_rights:edit", args=[request.pk])}"' in listing.text

    response = client.post(
        reverse("jobs_posting_rights:edit", args=[request.pk]), {"decision": "approve", "message": "Welcome!"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", editor)
    assert user.groups.filter(name="Job posters").exists()
    assert Group.objects.get(name="Job posters").permissions.filter(codename="post_job").exists()
    [email] = mail.outbox
    assert email.to == [user.email]
    assert "Welcome!" in email.body and "/jobs/new/" in email.body
    client.force_login(user)
    assert 'name="title"' in client.get("/jobs/new/").text


def test_an_editor_declines_with_a_reason_the_user_is_told_and_may_ask_again(client, editor, user, job_index):
    request = rights.posting_rights_request_create(user=user, **REQUEST)
    client.force_login(editor)

    client.post(
        reverse("jobs_posting_rights:edit", args=[request.pk]),
        {"decision": "decline", "message": "We only list jobs in Europe."},
    )

    request.refresh_from_db()
    assert request.status == "declined"
    assert not user.groups.filter(name="Job posters").exists()
    [email] = mail.outbox
    assert "We only list jobs in Europe." in email.body
    client.force_login(user)
    page = client.get("/jobs/new/")
    assert "We only list jobs in Europe." in page.text and 'name="company"' in page.text
    assert ask(client).status_code == 302
    assert PostingRightsRequest.objects.filter(user=user, status="open").count() == 1


def test_a_decided_request_cannot_be_decided_again(editor, user):
    request = rights.posting_rights_request_create(user=user, **REQUEST)
    rights.posting_rights_request_decline(request=request, editor=editor)

    with pytest.raises(rights.RequestNotAllowed):
        rights.posting_rights_request_approve(request=request, editor=editor)
    assert not user.groups.filter(name="Job posters").exists()


def test_users_without_the_permission_cannot_decide(client, other_user, user):
    request = rights.posting_rights_request_create(user=user, **REQUEST)
    other_user.is_staff = True
    other_user.save()
    client.force_login(other_user)

    client.post(reverse("jobs_posting_rights:edit", args=[request.pk]), {"decision": "approve"})

    request.refresh_from_db()
    assert request.status == "open"


def test_the_setting_approves_a_verified_address_at_once(client, user, site, job_index):
    settings = JobBoardSettings.for_site(site)
    settings.approve_verified_posters = True
    settings.save()
    client.force_login(user)

    with mock.patch("jobs.rights.email_is_verified", return_value=True):
        ask(client)

    assert PostingRightsRequest.objects.get(user=user).status == "approved"
    assert user.groups.filter(name="Job posters").exists()
    assert len(mail.outbox) == 1


def test_the_setting_still_waits_for_an_editor_for_an_unverified_address(client, user, site, job_index):
    settings = JobBoardSettings.for_site(site)
    settings.approve_verified_posters = True
    settings.save()
    client.force_login(user)

    with mock.patch("jobs.rights.email_is_verified", return_value=False):
        ask(client)

    assert PostingRightsRequest.objects.get(user=user).status == "open"
    assert not mail.outbox


def test_with_the_setting_off_a_verified_address_still_waits(client, user, job_index):
    client.force_login(user)

    with mock.patch("jobs.rights.email_is_verified", return_value=True):
        ask(client)

    assert PostingRightsRequest.objects.get(user=user).status == "open"
