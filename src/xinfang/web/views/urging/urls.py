"""URL patterns of this area, included by web/urls.py (names in the "web" namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("oversight/urges/", views.urge_list_view, name="urge_list"),
    path("petitions/<int:petition_id>/contacts/", views.contact_add_view, name="contact_add"),
    path("manage/urging/", views.policies_view, name="urging_policies"),
    path("manage/urging/<int:policy_id>/delete/", views.policy_delete_view, name="urging_policy_delete"),
]
