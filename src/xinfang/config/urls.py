from django.contrib import admin
from django.urls import include, path

from xinfang.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("xinfang.portal.urls")),
    path("open311/v2/", include("xinfang.portal.open311.urls")),
    path("", include("xinfang.web.urls")),
]
# Error pages in the app's layout and the user's language (403 and 404 with the navigation; 500 from
# a template that needs neither the database nor the session).
handler403 = "xinfang.web.views.common.permission_denied"
handler404 = "xinfang.web.views.common.page_not_found"
handler500 = "xinfang.web.views.common.server_error"

# Uploaded attachments and issued documents are never served from MEDIA_URL: only through the
# scoped views, so jurisdiction and the accuser's protection apply to every download.
