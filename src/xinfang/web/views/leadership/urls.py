"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from xinfang.web.views import oversight as oversight_views

from . import views

urlpatterns: list = [
    # 包案 plan and stages (the forms of the petition page's 包案 panel)
    path("petitions/<int:petition_id>/ownership/plan/", oversight_views.ownership_plan_view, name="ownership_plan"),
    path("petitions/<int:petition_id>/ownership/stage/", oversight_views.ownership_stage_view,
         name="ownership_stage"),
    # 领导接待日
    path("receptions/", views.reception_days_view, name="reception_days"),
    path("receptions/new/", views.reception_day_new_view, name="reception_day_new"),
    path("receptions/find/", views.reception_booking_find_view, name="reception_booking_find"),
    path("receptions/<int:day_id>/", views.reception_day_view, name="reception_day"),
    path("receptions/<int:day_id>/edit/", views.reception_day_edit_view, name="reception_day_edit"),
    path("receptions/<int:day_id>/bookings/", views.reception_booking_new_view, name="reception_booking_new"),
    path("receptions/<int:day_id>/bookings/<int:booking_id>/register/", views.reception_booking_register_view,
         name="reception_booking_register"),
    path("receptions/<int:day_id>/bookings/<int:booking_id>/cancel/", views.reception_booking_cancel_view,
         name="reception_booking_cancel"),
    # 下访
    path("field-visits/", views.field_visits_view, name="field_visits"),
    path("field-visits/new/", views.field_visit_new_view, name="field_visit_new"),
    path("field-visits/<int:visit_id>/", views.field_visit_view, name="field_visit"),
    path("field-visits/<int:visit_id>/matters/", views.field_visit_matter_new_view, name="field_visit_matter_new"),
    path("field-visits/<int:visit_id>/matters/<int:matter_id>/register/", views.field_visit_matter_register_view,
         name="field_visit_matter_register"),
]
