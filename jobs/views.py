"""The poster's pages: ask for posting rights, post a listing, see their listings, edit, pay and bump, close and
reopen. Thin: forms and services do the work."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.tokens import payment_url
from jobs import rights, services
from jobs.forms import JobPostForm, PostingRightsRequestForm
from jobs.models import JobBoardSettings, JobPage
from jobs.selectors import jobs_posted_by, latest_rights_request

MAX_PAGE_ID = 2**31 - 1


def may_post(user) -> bool:
    return user.is_authenticated and (settings.JOBS_ANY_SIGNED_IN_USER_MAY_POST or user.has_perm("jobs.post_job"))


def poster_required(view):
    """Sign in first; then 403 with a page explaining how to get posting rights (and a way to ask for them)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_post(request.user):
            return _rights_request_page(request, form=PostingRightsRequestForm(), status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _rights_request_page(request, *, form, status: int):
    context = {"form": form, "latest_request": latest_rights_request(user=request.user)}
    return render(request, "jobs/permission_needed.html", context, status=status)


def _own_listing(request, page_id: int) -> JobPage:
    """The signed-in poster's listing, or 404 (someone else's listing is not there for them)."""
    if page_id > MAX_PAGE_ID:
        raise Http404("No such listing of yours.")
    page = JobPage.objects.owned_by(request.user).filter(pk=page_id).first()
    if page is None:
        raise Http404("No such listing of yours.")
    return page


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    try:
        services.job_board_index()
    except services.JobBoardMissing as error:
        raise Http404(str(error)) from None
    if not may_post(request.user):
        # The request form, in place of the listing form, for a signed-in user without posting rights.
        status = 200 if request.method == "GET" else 403
        return _rights_request_page(request, form=PostingRightsRequestForm(), status=status)
    form = JobPostForm(data=request.POST if request.method == "POST" else None)
    board_settings = JobBoardSettings.current()
    if request.method == "POST" and form.is_valid():
        page = services.job_create(poster=request.user, data=form.listing_data(), tags=form.cleaned_data["tags"])
        if not page.live:
            messages.success(request, f"“{page.title}” is sent for review. You can pay for it once it is approved.")
            return redirect("jobs:mine")
        messages.success(request, f"“{page.title}” is saved. Pay for its first week to put it on the board.")
        return redirect(payment_url(page))
    status = 400 if form.is_bound else 200
    context = {
        "form": form,
        "price": board_settings.price_display,
        "period": settings.JOBS_PAID_PERIOD,
        "review": board_settings.review_new_listings,
    }
    return render(request, "jobs/job_form.html", context, status=status)


@never_cache
@login_required
@require_POST
def rights_request(request):
    """Ask for posting rights (the form /jobs/new/ shows to a signed-in user who may not post)."""
    if may_post(request.user):
        return redirect("jobs:new")
    form = PostingRightsRequestForm(data=request.POST)
    if not form.is_valid():
        return _rights_request_page(request, form=form, status=400)
    try:
        made = rights.posting_rights_request_create(user=request.user, **form.cleaned_data)
    except rights.RequestNotAllowed as error:
        messages.info(request, str(error))
        return redirect("jobs:new")
    if made.status == made.Status.APPROVED:
        messages.success(request, "You can post job listings now.")
    else:
        messages.success(request, "Thank you. An editor will read your request and answer by e-mail.")
    return redirect("jobs:new")


@never_cache
@poster_required
@require_http_methods(["GET", "POST"])
def job_edit(request, page_id: int):
    page = _own_listing(request, page_id)
    refusal = services.job_site_form_refusal(page=page)
    if refusal:
        messages.error(request, refusal)
        return redirect("jobs:mine")
    form = JobPostForm.for_page(
        page.get_latest_revision_as_object(), data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            page = services.job_update(
                page=page, editor=request.user, data=form.listing_data(), tags=form.cleaned_data["tags"]
            )
        except services.ListingNotEditable as error:
            messages.error(request, str(error))
            return redirect("jobs:mine")
        if page.workflow_in_progress:
            messages.success(request, f"Your changes to “{page.title}” are sent for review.")
        else:
            messages.success(request, f"“{page.title}” is updated.")
        return redirect("jobs:mine")
    status = 400 if form.is_bound else 200
    return render(request, "jobs/job_form.html", {"form": form, "page": page}, status=status)


@never_cache
@poster_required
@require_GET
def job_mine(request):
    return render(
        request,
        "jobs/job_mine.html",
        {
            "rows": jobs_posted_by(user=request.user),
            "now": timezone.now(),
            "price": JobBoardSettings.current().price_display,
            "period": settings.JOBS_PAID_PERIOD,
        },
    )


def _to_payment(request, page_id: int):
    page = _own_listing(request, page_id)
    refusal = services.job_payment_refusal(page=page)
    if refusal:
        messages.error(request, refusal)
        return redirect("jobs:mine")
    # Billing's page says what the payment buys ("live until …") and charges only when the poster confirms.
    return redirect(payment_url(page))


@never_cache
@poster_required
@require_GET
def job_pay(request, page_id: int):
    """Pay for a week: billing's payment page (a saved card in one click, or a new card through Checkout)."""
    return _to_payment(request, page_id)


@never_cache
@poster_required
@require_GET
def job_bump(request, page_id: int):
    """One more week after the running one, and back to the top of the board: a new payment."""
    return _to_payment(request, page_id)


@never_cache
@poster_required
@require_POST
def job_close(request, page_id: int):
    """ "Mark as filled": off the board at once, no refund; it stays in the poster's list as closed."""
    page = services.job_close(page=_own_listing(request, page_id), user=request.user)
    messages.success(request, f"“{page.title}” is closed and off the board.")
    return redirect("jobs:mine")


@never_cache
@poster_required
@require_POST
def job_reopen(request, page_id: int):
    try:
        page = services.job_reopen(page=_own_listing(request, page_id), user=request.user)
    except services.ListingNotEditable as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"“{page.title}” is back on the board until {timezone.localtime(page.paid_until):%-d %b, %H:%M}."
        )
    return redirect("jobs:mine")


@never_cache
@poster_required
@require_POST
def job_reminders(request, page_id: int):
    """Turn the renewal reminder e-mails for one listing on (enabled=1) or off (enabled=0)."""
    enabled = request.POST.get("enabled")
    if enabled not in ("0", "1"):
        messages.error(request, "Choose whether to get reminders.")
        return redirect("jobs:mine")
    page = services.job_set_reminders(page=_own_listing(request, page_id), enabled=enabled == "1")
    state = "on" if page.reminders_enabled else "off"
    messages.success(request, f"Renewal reminders for “{page.title}” are {state}.")
    return redirect("jobs:mine")
