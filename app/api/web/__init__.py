"""The web Compliance page at /ui/: static HTML, CSS and JavaScript modules served by the app
(no build step, no external assets). The page is a client of /graphql only."""

from app.api.web.routes import web_routes

__all__ = ["web_routes"]
