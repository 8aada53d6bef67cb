from django.urls import path

from jobs import views
from jobs.feeds import JobBoardFeed

app_name = "jobs"

# /jobs/ itself and each listing are Wagtail pages; these are the poster's pages beside them.
urlpatterns = [
    path("jobs/new/", views.job_new, name="new"),
    path("jobs/mine/", views.job_mine, name="mine"),
    path("jobs/feed/", JobBoardFeed(), name="feed"),
    path("jobs/<int:page_id>/edit/", views.job_edit, name="edit"),
    path("jobs/<int:page_id>/pay/", views.job_pay, name="pay"),
    path("jobs/<int:page_id>/bump/", views.job_bump, name="bump"),
]
