"""System: the version pings, service status, feeds, and the policy language's gate spec."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app import __version__
from app.api.rest.common import Endpoint, call, db_of, in_thread, ok, receive_upload
from app.catalog.schema import head_revision
from app.report.anchore_v2 import iso
from app.services import feeds as feed_service
from app.services import policies

# The services an Anchore deployment reports; `system wait` waits for every one of them.
SERVICES = ("apiext", "catalog", "policy_engine", "simplequeue", "analyzer")
STARTED = datetime.now(UTC)


@lru_cache(maxsize=1)
def _db_version() -> str:
    return head_revision()


async def health(_: Request) -> Response:
    return ok({"status": "ok", "version": __version__})


async def ping_v1(request: Request) -> Response:
    await call(request, lambda s: s)  # anchore-cli's access check: credentials must be good
    return ok("v1")


async def ping_v2(request: Request) -> Response:
    await call(request, lambda s: s)
    return ok("v2")


def _services(request: Request) -> list[dict[str, Any]]:
    host, base = socket.gethostname(), str(request.base_url).rstrip("/")
    detail = {"up": True, "available": True, "busy": False, "message": "all good",
              "version": __version__, "db_version": _db_version(), "detail": {}}
    return [{"servicename": name, "hostid": host, "base_url": base, "status": True,
             "status_message": "available", "version": __version__,
             "service_detail": detail} for name in SERVICES]


async def system_status(request: Request) -> Response:
    await call(request, lambda s: s)
    return ok({"service_states": _services(request)})


async def feeds(request: Request) -> Response:
    """The imported OSV data as Anchore's `vulnerabilities` feed: one group per ecosystem;
    never synced until the first `imagegate feed import`."""
    groups = await call(request, lambda s: feed_service.list_feeds(db_of(request)))
    synced = [g.last_sync for g in groups if g.last_sync]
    started = iso(STARTED)
    return ok([{"name": "vulnerabilities", "enabled": True,
                "last_full_sync": iso(max(synced)) if synced else None,
                "created_at": started, "updated_at": iso(max(synced)) if synced else started,
                "groups": [{"name": g.name, "enabled": True, "last_sync": iso(g.last_sync),
                            "record_count": g.record_count, "feed": g.feed}
                           for g in groups]}])


async def import_feed(request: Request) -> Response:
    """An admin uploads OSV records (one JSON record or list, or an osv.dev zip export): they
    are streamed to a file, imported as `imagegate feed import` does, and every image is
    re-matched."""
    scope = await call(request, lambda s: s)
    feed_service.require_admin(scope)
    path = await receive_upload(request, suffix=".osv",
                                what="OSV records (a JSON file or an osv.dev zip)")

    def work() -> feed_service.FeedImport:
        try:
            return feed_service.import_feed(db_of(request), scope, path)
        finally:
            path.unlink(missing_ok=True)

    result = await in_thread(work)
    return ok({"summary": result.summary(), "read": result.read, "new": result.new,
               "updated": result.updated, "unchanged": result.unchanged,
               "skipped": result.skipped, "images_rematched": result.images_rematched,
               "images_changed": result.images_changed})


def _v1_spec(gates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The engine's spelling: `superceded_by`."""
    def rename(item: dict[str, Any]) -> dict[str, Any]:
        out = {("superceded_by" if k == "superseded_by" else k): v for k, v in item.items()}
        if "triggers" in out:
            out["triggers"] = [rename(t) for t in out["triggers"]]
        if "parameters" in out:
            out["parameters"] = [rename(p) for p in out["parameters"]]
        return out

    return [rename(gate) for gate in gates]


async def policy_spec_v1(request: Request) -> Response:
    await call(request, lambda s: s)
    return ok(_v1_spec(policies.gate_catalogue()))


async def policy_spec_v2(request: Request) -> Response:
    await call(request, lambda s: s)
    return ok([{**gate, "supported_artifact_type": "image"} for gate in policies.gate_catalogue()])


R = "#/components/schemas/"


def endpoints() -> list[Endpoint]:
    e, t = Endpoint, ("system",)
    version = {"type": "string"}
    status = {"$ref": R + "SystemStatus"}
    return [
        e("GET", "/v1", ping_v1, "Version ping; checks the credentials", version, tags=t),
        e("GET", "/v2", ping_v2, "Version ping (v2); checks the credentials", version, tags=t),
        e("GET", "/v1/system", system_status, "Service status", status, tags=t),
        e("GET", "/v2/system", system_status, "Service status (v2)", status, tags=t),
        e("GET", "/v1/system/feeds", feeds, "Vulnerability feeds",
          {"type": "array", "items": {"$ref": R + "FeedMetadata"}}, tags=t),
        e("POST", "/v2/system/feeds/import", import_feed,
          "Import OSV records (admin; the body: a JSON file or an osv.dev zip), then "
          "re-match every image (imagegate)", {"$ref": R + "FeedImportResult"},
          body={"application/octet-stream": {"type": "string", "format": "binary"},
                "application/json": {}, "application/zip": {"type": "string",
                                                             "format": "binary"}},
          errors=(400, 401, 403, 413), tags=t),
        e("GET", "/v1/system/policy_spec", policy_spec_v1,
          "Every gate, trigger and parameter (engine spelling)",
          {"type": "array", "items": {"$ref": R + "GateSpecV1"}}, tags=t),
        e("GET", "/v2/system/policy-spec", policy_spec_v2,
          "Every gate, trigger and parameter (v2 GateSpec)",
          {"type": "array", "items": {"$ref": R + "GateSpec"}}, tags=t),
    ]
