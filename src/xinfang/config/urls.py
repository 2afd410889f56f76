from django.contrib import admin
from django.urls import include, path

from xinfang.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("xinfang.web.urls")),
]
# Uploaded attachments and issued documents are never served from MEDIA_URL: only through the
# scoped views, so jurisdiction and the accuser's protection apply to every download.
