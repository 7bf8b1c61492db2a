"""HTTP: the REST shim, the GraphQL gateway and the web page. Thin over the services."""

from app.api.app import create_app

__all__ = ["create_app"]
