"""URL patterns of 督办 and 批示, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("supervision/", views.supervision_list_view, name="supervision_list"),
    path("supervision/board/", views.supervision_board_view, name="supervision_board"),
    path("supervision/<int:supervision_id>/report/", views.supervision_report_view, name="supervision_report"),
    path("supervision/<int:supervision_id>/accept/", views.supervision_accept_view, name="supervision_accept"),
    path("supervision/<int:supervision_id>/return/", views.supervision_return_view, name="supervision_return"),
    path("instructions/", views.instruction_list_view, name="instruction_list"),
    path("instructions/<int:instruction_id>/report/", views.instruction_report_view, name="instruction_report"),
    path("instructions/<int:instruction_id>/close/", views.instruction_close_view, name="instruction_close"),
]
