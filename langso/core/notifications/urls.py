"""Inbox URLs, included at /thong-bao/ (namespace "notifications")."""

from django.urls import path

from langso.core.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("da-doc/", views.mark_read, name="mark_read"),
    path("tuy-chon/", views.preferences, name="preferences"),
]
