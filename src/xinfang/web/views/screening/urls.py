"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("screening/risks/", views.risks_view, name="screening_risks"),
    path("screening/risks/new/", views.risk_new_view, name="screening_risk_new"),
    path("screening/risks/<int:risk_id>/", views.risk_view, name="screening_risk"),
    path("screening/rounds/", views.rounds_view, name="screening_rounds"),
    path("screening/rounds/<int:round_id>/", views.round_view, name="screening_round"),
    path("screening/schedule/", views.schedule_view, name="screening_schedule"),
    path("screening/report/", views.report_new_view, name="screening_report_new"),
    path("screening/reports/", views.reports_view, name="screening_reports"),
    path("screening/reports/<int:report_id>/", views.report_view, name="screening_report"),
    path("screening/reports/<int:report_id>/to-risk/", views.report_to_risk_view, name="screening_report_to_risk"),
    path("screening/reports/<int:report_id>/register/", views.report_register_view,
         name="screening_report_register"),
    path("screening/reports/<int:report_id>/ack/", views.alert_ack_view, name="screening_alert_ack"),
]
