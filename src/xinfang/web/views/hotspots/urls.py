"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("hotspots/", views.hotspots_view, name="hotspots"),
    path("hotspots/alerts/", views.alerts_view, name="hotspots_alerts"),
    path("hotspots/alerts/<int:alert_id>/", views.alert_view, name="hotspots_alert"),
    path("hotspots/alerts/<int:alert_id>/ack/", views.alert_ack_view, name="hotspots_alert_ack"),
]
