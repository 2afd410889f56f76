"""/open311/v2/...: the GeoReport v2 paths, each with its format suffix (.xml or .json)."""

from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "o311fmt")

app_name = "open311"
urlpatterns = [
    path("discovery.<o311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<o311fmt:fmt>", views.services, name="services"),
    path("services/<str:code>.<o311fmt:fmt>", views.service_definition, name="service"),
    path("requests.<o311fmt:fmt>", views.requests_, name="requests"),
    path("requests/<str:request_id>.<o311fmt:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<o311fmt:fmt>", views.token, name="token"),
]
