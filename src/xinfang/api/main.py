"""The REST API under /api/v1/ (DESIGN §9)."""

from ninja import NinjaAPI

from . import errors
from .auth import AUTH
from .routers import org, petitions

api = NinjaAPI(title="xinfang API", version="1", urls_namespace="api-v1", auth=AUTH,
               docs_url="/docs", openapi_url="/openapi.json")
errors.install(api)
api.add_router("/", petitions.router)
api.add_router("/", org.router)
