"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from xinfang.web.views import oversight as oversight_views

urlpatterns: list = [
    # 包案 plan and stages (the forms of the petition page's 包案 panel)
    path("petitions/<int:petition_id>/ownership/plan/", oversight_views.ownership_plan_view, name="ownership_plan"),
    path("petitions/<int:petition_id>/ownership/stage/", oversight_views.ownership_stage_view,
         name="ownership_stage"),
]
