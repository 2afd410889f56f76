"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("notifications/", views.inbox_view, name="notifications"),
    path("notifications/read-all/", views.read_all_view, name="notifications_read_all"),
    path("notifications/preferences/", views.preferences_view, name="notification_preferences"),
    path("notifications/<int:notification_id>/read/", views.read_view, name="notification_read"),
    path("notifications/<int:notification_id>/open/", views.open_view, name="notification_open"),
]
