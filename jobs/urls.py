from django.urls import path

from jobs import views
from jobs.feeds import JobBoardFeed

app_name = "jobs"

# Served under /jobs/ (website.urls). /jobs/ itself and each listing are Wagtail pages; these are the poster's pages
# beside them.
urlpatterns = [
    path("new/", views.job_new, name="new"),
    path("mine/", views.job_mine, name="mine"),
    path("feed/", JobBoardFeed(), name="feed"),
    path("<int:page_id>/edit/", views.job_edit, name="edit"),
    path("<int:page_id>/pay/", views.job_pay, name="pay"),
    path("<int:page_id>/bump/", views.job_bump, name="bump"),
    path("<int:page_id>/close/", views.job_close, name="close"),
    path("<int:page_id>/reopen/", views.job_reopen, name="reopen"),
    path("<int:page_id>/reminders/", views.job_reminders, name="reminders"),
    path("posting-rights/", views.rights_request, name="request_rights"),
]
