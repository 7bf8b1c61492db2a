"""The CLI's remote mode: the same `Backend` over an imagegate server's REST routes
(IMAGEGATE_URL or --url), with one keep-alive HTTP client.

Checks are read from `GET /v2/images/{digest}/check` and turned back into the display model,
so every `-o` format renders as it does embedded; the few facts Anchore's shapes lack (an
evaluation's id, a finding's rule action, an image's source and layers, a policy's revision)
are fields imagegate adds to those bodies."""

from __future__ import annotations

import base64
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from app.cli.backend import FeedInfo, ImageInfo, PolicyInfo
from app.errors import ImagegateError, InvalidInputError, NotFoundError
from app.services.images import normalize_tag

if TYPE_CHECKING:
    from app.report import Report
    from app.settings import Settings

TIMEOUT = httpx.Timeout(30.0, read=600.0)  # an upload's analysis or a feed import is slow
CHUNK = 1024 * 1024


class RemoteError(ImagegateError):
    """The server refused (authentication, permission) or could not be reached."""


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _when_required(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _image(record: dict[str, Any], analysis: dict[str, Any] | None = None) -> ImageInfo:
    metadata = (record.get("image_content") or {}).get("metadata") or {}
    return ImageInfo(
        digest=record["image_digest"], image_id=record.get("image_id") or "",
        tags=tuple(d["full_tag"] for d in record.get("image_detail") or ()),
        source=record.get("source") or "", distro=metadata.get("distro"),
        distro_version=metadata.get("distro_version"),
        architecture=metadata.get("arch") or "", os=record.get("os") or "",
        size=int(metadata.get("image_size") or 0),
        layer_count=int(metadata.get("layer_count") or 0),
        layers=tuple(record.get("layers") or ()), created=_when(record.get("image_created")),
        analyzed_at=_when_required(record["analyzed_at"]),
        dockerfile_mode=analysis.get("dockerfile_mode") if analysis else None,
        packages=analysis.get("packages") if analysis else None,
        files=analysis.get("files") if analysis else None,
        warnings=tuple(analysis.get("warnings") or ()) if analysis else ())


def _policy(record: dict[str, Any]) -> PolicyInfo:
    return PolicyInfo(
        policy_id=record["policy_id"], name=record.get("name"),
        description=record.get("description"), version=str(record.get("version") or ""),
        active=bool(record.get("active")), revision=str(record.get("revision") or ""),
        created_at=_when_required(record["created_at"]),
        updated_at=_when_required(record["last_updated"]),
        document=record.get("policy") or {})


def report_from_v2(body: dict[str, Any], *, image_id: str, policy_name: str | None,
                   detail: bool) -> Report:
    """The display model from a v2 `PolicyEvaluation` fetched with details; without
    `detail` the findings are dropped again (as an embedded check without --detail)."""
    from app.report import EvaluationView, FindingView, Report

    evaluations: list[EvaluationView] = []
    document: dict[str, Any] = {}
    for e in body["evaluations"]:
        details = e.get("details") or {}
        document = details.get("policy") or document
        findings = None
        if detail and e.get("details") is not None:
            findings = [FindingView(
                trigger_id=f["trigger_id"], gate=f["gate"], trigger=f["trigger"],
                message=f["message"], action=f["action"],
                rule_action=f.get("rule_action") or f["action"], policy_id=f["policy_id"],
                rule_id=f.get("rule_id") or None, recommendation=f.get("recommendation") or "",
                allowlist_match=f.get("allowlist_match"),
                inherited_from_base=f.get("inherited_from_base"))
                for f in details.get("findings") or []]
        evaluations.append(EvaluationView(
            id=e.get("evaluation_id") or "", status=e["status"],
            final_action=e["final_action"], final_action_reason=e["final_action_reason"],
            policy_action=details.get("policy_action") or e["final_action"],
            evaluated_at=_when_required(e["evaluation_time"]),
            base_digest=e.get("comparison_image_digest"),
            number_of_findings=e["number_of_findings"],
            problems=list(e.get("evaluation_problems") or []),
            matched_mapping_rule=e.get("matched_mapping_rule"),
            matched_allowlisted_images_rule=e.get("matched_allowlisted_images_rule"),
            matched_denylisted_images_rule=e.get("matched_denylisted_images_rule"),
            findings=findings))
    return Report(image_digest=body["image_digest"], image_id=image_id,
                  tag=body["evaluated_tag"], policy_id=body["policy_id"],
                  policy_name=policy_name, policy_document=document, evaluations=evaluations)


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            yield block


def _is_hex_id(ref: str) -> bool:
    return len(ref) >= 12 and all(c in "0123456789abcdef" for c in ref)


class RemoteBackend:
    """The `Backend` over HTTP. Credentials: IMAGEGATE_USERNAME/IMAGEGATE_PASSWORD (Basic)
    or IMAGEGATE_API_KEY (Bearer); IMAGEGATE_ACCOUNT is sent as x-anchore-account."""

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None
                 ) -> None:
        assert settings.url
        if not settings.url.startswith(("http://", "https://")):
            raise InvalidInputError(f"IMAGEGATE_URL / --url must be an http:// or https:// "
                                    f"URL, not {settings.url!r}")
        self.settings = settings
        self.url = settings.url.rstrip("/")
        headers = {"user-agent": "imagegate-cli"}
        auth: Any = None
        if settings.api_key:
            headers["authorization"] = f"Bearer {settings.api_key}"
        elif settings.username:
            auth = httpx.BasicAuth(settings.username, settings.password or "")
        if settings.account:
            headers["x-anchore-account"] = settings.account
        self.http = httpx.Client(base_url=self.url, headers=headers, auth=auth,
                                 timeout=TIMEOUT, transport=transport,
                                 limits=httpx.Limits(max_keepalive_connections=2))
        self._policy_names: dict[str, str | None] = {}

    # ------------------------------------------------------------------ HTTP

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a 2xx answer (None when empty); the server's `message` as the
        matching error otherwise."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise RemoteError(f"{self.url}: no answer in time ({method} {path})") from None
        except httpx.HTTPError as err:
            raise RemoteError(f"cannot reach {self.url}: {err}") from None
        if response.status_code >= 400:
            raise self._error(response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise RemoteError(f"{self.url} answered {method} {path} with something that is "
                              "not JSON: is IMAGEGATE_URL an imagegate server?") from None

    def _error(self, response: httpx.Response) -> ImagegateError:
        try:
            body = response.json()
            message = str(body["message"])
        except (ValueError, KeyError, TypeError):
            message = (response.text.strip().splitlines() or [""])[0][:200]
            message = f"HTTP {response.status_code} from {self.url}: {message}".rstrip(": ")
        status = response.status_code
        if status == 401:
            return RemoteError(f"{self.url}: {message} (set IMAGEGATE_USERNAME and "
                               "IMAGEGATE_PASSWORD, or IMAGEGATE_API_KEY)")
        if status == 403:
            return RemoteError(f"{self.url}: {message}")
        if status == 404:
            return NotFoundError(message)
        if status < 500:
            return InvalidInputError(message)
        return RemoteError(f"{self.url}: server error: {message}")

    # ------------------------------------------------------------------ images

    def _resolve(self, ref: str) -> tuple[dict[str, Any], bool]:
        """The v2 record of REF (a digest, an image id or unique prefix, or a tag), resolved
        as the catalog resolves it; and whether REF was a tag. Only a digest's record comes
        with the analysis summary (`get_image` fetches it otherwise)."""
        ref = ref.strip()
        if ref.startswith("sha256:") and "/" not in ref:
            return dict(self.request("GET", f"/v2/images/{ref}")), False
        if _is_hex_id(ref):
            found = [r for r in self.request("GET", "/v2/images")["items"]
                     if str(r.get("image_id", "")).startswith(ref)]
            if len(found) > 1:
                raise InvalidInputError(f"image id prefix {ref} matches {len(found)} images")
            if found:
                return dict(found[0]), False
        full = normalize_tag(ref)
        items = self.request("GET", "/v2/images", params={"full_tag": full})["items"]
        if not items:
            raise NotFoundError(f"image {full} not found")
        return dict(items[0]), True

    def _record(self, ref: str) -> dict[str, Any]:
        return self._resolve(ref)[0]

    def add_image(self, source: str, *, tags: list[str], dockerfile: str | None,
                  platform: str | None, insecure_registries: tuple[str, ...] = ()
                  ) -> ImageInfo:
        from app.cli.console import Progress

        if platform:
            raise InvalidInputError("--platform is not available in remote mode (the server "
                                    "picks the platform it pulls)")
        if insecure_registries:
            raise InvalidInputError("--insecure-registry is the server's setting in remote "
                                    "mode (IMAGEGATE_INSECURE_REGISTRIES where it runs)")
        if os.path.exists(source):
            with self._archive(source) as path, Progress(f"uploading {source}"):
                record = self._upload(path, tags, dockerfile)
        else:
            body: dict[str, Any] = {"tag": source}
            if dockerfile is not None:
                body["dockerfile"] = base64.b64encode(dockerfile.encode()).decode()
            if tags and tags != [source]:
                raise InvalidInputError("remote mode adds a registry reference under its own "
                                        "tag: drop --tag")
            with Progress(f"analyzing {source} on {self.url}"):
                record = self.request("POST", "/v2/images", json=body,
                                      params={"force": "true"})
        return self.get_image(record["image_digest"])

    def _upload(self, path: Path, tags: list[str], dockerfile: str | None) -> dict[str, Any]:
        headers = {"content-type": "application/x-tar",
                   "content-length": str(path.stat().st_size)}
        if dockerfile is not None:
            headers["x-imagegate-dockerfile"] = base64.b64encode(dockerfile.encode()).decode()
        return dict(self.request("POST", "/v2/images", params=[("tag", t) for t in tags],
                                 content=_chunks(path), headers=headers))

    @contextmanager
    def _archive(self, source: str) -> Iterator[Path]:
        """The file to upload: an archive as it is, an OCI layout directory tarred on the
        fly (an oci-archive). What the server cannot analyze from an upload is refused
        here, by name."""
        path = Path(source)
        if path.is_dir():
            if not (path / "oci-layout").is_file():
                raise InvalidInputError(
                    f"{source}: remote mode cannot send a root filesystem directory (the "
                    "server analyzes uploaded docker-archive and oci-archive tarballs, and "
                    "OCI layout directories): tar it into an image, or check it embedded")
            fd, name = tempfile.mkstemp(prefix="imagegate-", suffix=".tar")
            os.close(fd)
            try:
                with tarfile.open(name, "w") as tar:
                    for child in sorted(path.iterdir()):
                        tar.add(child, arcname=child.name)
                yield Path(name)
            finally:
                os.unlink(name)
            return
        with open(path, "rb") as handle:
            head = handle.read(512).lstrip()
        if head[:1] in (b"{", b"["):
            raise InvalidInputError(
                f"{source}: remote mode cannot send an SBOM file (the server analyzes "
                "uploaded docker-archive and oci-archive tarballs): check it embedded")
        yield path

    def attach_vulnerabilities(self, ref: str, path: str) -> int:
        digest = self._record(ref)["image_digest"]
        try:
            content = Path(path).read_bytes()
        except OSError as err:
            raise InvalidInputError(f"{path}: cannot read a Grype report: "
                                    f"{err.strerror}") from None
        answer = self.request("PUT", f"/v2/images/{digest}/vuln", content=content,
                              headers={"content-type": "application/json"})
        return int(answer["matches"])

    def list_images(self) -> list[ImageInfo]:
        return [_image(r) for r in self.request("GET", "/v2/images")["items"]]

    def get_image(self, ref: str) -> ImageInfo:
        record = self._record(ref)
        if "analysis" not in record:
            record = self.request("GET", f"/v2/images/{record['image_digest']}")
        return _image(record, record.get("analysis"))

    def has_image(self, ref: str) -> bool:
        try:
            self._record(ref)
        except NotFoundError:
            return False
        return True

    def delete_image(self, ref: str) -> None:
        self.request("DELETE", f"/v2/images/{self._record(ref)['image_digest']}")

    def ancestors(self, ref: str) -> list[ImageInfo]:
        digest = self._record(ref)["image_digest"]
        found = self.request("GET", f"/v2/images/{digest}/ancestors")
        if not found:
            return []
        records = {r["image_digest"]: r for r in self.request("GET", "/v2/images")["items"]}
        return [_image(records[a["image_digest"]]) for a in found
                if a["image_digest"] in records]

    def content(self, ref: str, content_type: str) -> list[dict[str, Any]]:
        digest = self._record(ref)["image_digest"]
        body = self.request("GET", f"/v2/images/{digest}/content/{content_type}")
        content: list[dict[str, Any]] = body["content"]
        return content

    def vulnerabilities(self, ref: str, vuln_type: str) -> list[dict[str, Any]]:
        digest = self._record(ref)["image_digest"]
        body = self.request("GET", f"/v2/images/{digest}/vuln/{vuln_type}",
                            params={"vendor_only": "false"})
        found: list[dict[str, Any]] = body["vulnerabilities"]
        return found

    # ------------------------------------------------------------------ feeds

    def import_feed(self, path: str) -> str:
        from app.cli.console import Progress

        source = Path(path)
        if not source.exists():
            raise InvalidInputError(f"{path}: no such file or directory")
        with self._feed_file(source) as upload, Progress(f"importing {path} on {self.url}"):
            answer = self.request("POST", "/v2/system/feeds/import", content=_chunks(upload),
                                  headers={"content-type": "application/octet-stream",
                                           "content-length": str(upload.stat().st_size)})
        return str(answer["summary"])

    @contextmanager
    def _feed_file(self, source: Path) -> Iterator[Path]:
        """A file as it is; a directory tree of OSV JSON records zipped on the fly."""
        if not source.is_dir():
            yield source
            return
        fd, name = tempfile.mkstemp(prefix="imagegate-feed-", suffix=".zip")
        os.close(fd)
        try:
            with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as archive:
                for item in sorted(source.rglob("*.json")):
                    archive.write(item, item.relative_to(source).as_posix())
            yield Path(name)
        finally:
            os.unlink(name)

    def list_feeds(self) -> list[FeedInfo]:
        out = []
        for feed in self.request("GET", "/v1/system/feeds"):
            for g in feed.get("groups") or []:
                out.append(FeedInfo(g["name"], g.get("feed") or feed["name"],
                                    int(g.get("record_count") or 0),
                                    _when_required(g["last_sync"])))
        return out

    # ------------------------------------------------------------------ checks

    def _check_body(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
                    base_digest: str | None, detail: bool) -> tuple[dict[str, Any], str]:
        record, ref_is_tag = self._resolve(ref)
        if tag is None and not ref_is_tag:
            raise InvalidInputError("a tag is required to check an image by digest or id "
                                    "(verdicts are per tag)")
        params: dict[str, str] = {"tag": tag or normalize_tag(ref),
                                  "detail": "true" if detail else "false",
                                  "history": "true" if history else "false"}
        if policy:
            params["policy_id"] = policy
        if base_digest:
            params["base_digest"] = base_digest
        body = self.request("GET", f"/v2/images/{record['image_digest']}/check", params=params)
        return dict(body), str(record.get("image_id") or "")

    def _policy_name(self, policy_id: str) -> str | None:
        if policy_id not in self._policy_names:
            found = self.request("GET", f"/v2/policies/{policy_id}",
                                 params={"detail": "false"})
            self._policy_names[policy_id] = found.get("name")
        return self._policy_names[policy_id]

    def check(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
              base_digest: str | None, detail: bool) -> Report:
        # Details always travel (the policy document and its action are in them); the
        # findings are dropped again without --detail.
        body, image_id = self._check_body(ref, tag=tag, policy=policy, history=history,
                                          base_digest=base_digest, detail=True)
        return report_from_v2(body, image_id=image_id,
                              policy_name=self._policy_name(body["policy_id"]), detail=detail)

    def check_raw(self, ref: str, *, tag: str | None, policy: str | None, history: bool,
                  base_digest: str | None, detail: bool) -> tuple[Report, dict[str, Any]]:
        """The check's v2 body as served (for `-o json-raw`), with its display model."""
        body, image_id = self._check_body(ref, tag=tag, policy=policy, history=history,
                                          base_digest=base_digest, detail=detail)
        report = report_from_v2(body, image_id=image_id,
                                policy_name=self._policy_name(body["policy_id"]), detail=detail)
        return report, body

    # ------------------------------------------------------------------ policies

    def add_policy(self, document: Any, *, activate: bool) -> PolicyInfo:
        record = self.request("POST", "/v2/policies", json=document)
        if activate and not record.get("active"):
            record = self.request("PUT", f"/v2/policies/{record['policy_id']}",
                                  params={"active": "true"})
        return _policy(record)

    def list_policies(self) -> list[PolicyInfo]:
        return [_policy(p) for p in self.request("GET", "/v2/policies")]

    def get_policy(self, id_or_name: str | None) -> PolicyInfo:
        if id_or_name is None:
            active = [p for p in self.request("GET", "/v2/policies") if p.get("active")]
            if not active:
                account = self.request("GET", "/v2/account")["name"]
                raise NotFoundError(f"account '{account}' has no active policy")
            id_or_name = str(active[0]["policy_id"])
        return _policy(self.request("GET", f"/v2/policies/{id_or_name}"))

    def activate_policy(self, id_or_name: str) -> PolicyInfo:
        return _policy(self.request("PUT", f"/v2/policies/{id_or_name}",
                                    params={"active": "true"}))

    def delete_policy(self, id_or_name: str) -> None:
        self.request("DELETE", f"/v2/policies/{id_or_name}")

    def close(self) -> None:
        self.http.close()

