"""The poster's pages: post a listing, see their listings, edit, pay and bump. Thin: forms and services do the work."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from billing.tokens import payment_url
from jobs import services
from jobs.forms import JobPostForm
from jobs.models import JobBoardSettings, JobPage
from jobs.selectors import jobs_posted_by

MAX_PAGE_ID = 2**31 - 1


def may_post(user) -> bool:
    return user.is_authenticated and (settings.JOBS_ANY_SIGNED_IN_USER_MAY_POST or user.has_perm("jobs.post_job"))


def poster_required(view):
    """Sign in first; then 403 with a page explaining how to get posting rights."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_post(request.user):
            return render(request, "jobs/permission_needed.html", status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _own_listing(request, page_id: int) -> JobPage:
    """The signed-in poster's listing, or 404 (someone else's listing is not there for them)."""
    if page_id > MAX_PAGE_ID:
        raise Http404("No such listing of yours.")
    page = JobPage.objects.owned_by(request.user).filter(pk=page_id).first()
    if page is None:
        raise Http404("No such listing of yours.")
    return page


@never_cache
@poster_required
@require_http_methods(["GET", "POST"])
def job_new(request):
    try:
        services.job_board_index()
    except services.JobBoardMissing as error:
        raise Http404(str(error)) from None
    form = JobPostForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        page = services.job_create(poster=request.user, data=form.listing_data(), tags=form.cleaned_data["tags"])
        messages.success(request, f"“{page.title}” is saved. Pay for its first week to put it on the board.")
        return redirect(payment_url(page))
    status = 400 if form.is_bound else 200
    context = {"form": form, "price": JobBoardSettings.current().price_display, "period": settings.JOBS_PAID_PERIOD}
    return render(request, "jobs/job_form.html", context, status=status)


@never_cache
@poster_required
@require_http_methods(["GET", "POST"])
def job_edit(request, page_id: int):
    page = _own_listing(request, page_id)
    form = JobPostForm.for_page(page, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        page = services.job_update(
            page=page, editor=request.user, data=form.listing_data(), tags=form.cleaned_data["tags"]
        )
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
            "jobs": jobs_posted_by(user=request.user),
            "now": timezone.now(),
            "price": JobBoardSettings.current().price_display,
            "period": settings.JOBS_PAID_PERIOD,
        },
    )


@never_cache
@poster_required
@require_GET
def job_pay(request, page_id: int):
    """Pay for a week: billing's payment page (a saved card in one click, or a new card through Checkout)."""
    page = _own_listing(request, page_id)
    if not page.live:
        messages.error(request, f"“{page.title}” is unpublished, so it cannot be paid for. Ask an editor why.")
        return redirect("jobs:mine")
    return redirect(payment_url(page))


@never_cache
@poster_required
@require_GET
def job_bump(request, page_id: int):
    """Another week from now, and back to the top of the board: a new payment, even while a week is running."""
    page = _own_listing(request, page_id)
    if not page.live:
        messages.error(request, f"“{page.title}” is unpublished, so it cannot be bumped. Ask an editor why.")
        return redirect("jobs:mine")
    return redirect(payment_url(page))
