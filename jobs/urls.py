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
]
