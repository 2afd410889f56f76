"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("scorecard/", views.scorecard_view, name="scorecard"),
    path("scorecard/overdue/", views.league_view, name="overdue_league"),
    path("scorecard/overdue/print/", views.league_print_view, name="overdue_league_print"),
    path("scorecard/overdue/pdf/", views.league_pdf_view, name="overdue_league_pdf"),
    path("accountability/", views.accountability_list_view, name="accountability_list"),
    path("accountability/new/", views.accountability_new_view, name="accountability_new"),
    path("accountability/<int:record_id>/", views.accountability_detail_view, name="accountability_detail"),
]
