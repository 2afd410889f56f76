"""The WSGI application (gunicorn xinfang.config.wsgi). It refuses to start with the published development
keys unless XINFANG_DEBUG or XINFANG_DEMO is on (common/checks.py): ImproperlyConfigured names each
variable to set."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.config.settings")
application = get_wsgi_application()

from xinfang.common.checks import refuse_insecure_start  # noqa: E402  (needs the apps loaded)

refuse_insecure_start()
