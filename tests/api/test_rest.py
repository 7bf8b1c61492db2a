"""The REST shim end to end: a real uvicorn server, real uploaded docker-archives, httpx.
Every response also goes through the /openapi.json conformance check (conftest)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from app.services import accounts
from tests.api.conftest import (
    ADMIN_PASSWORD,
    Live,
    add_account,
    admin_scope,
    policy_doc,
    serve,
    serve_database,
    upload,
)
from tests.server import free_socket

APP, DEV, BASE_TAG = "docker.io/example/app:1.0", "docker.io/example/app:1.0-dev", \
    "docker.io/example/base:12"


@pytest.fixture(scope="module")
def world(live: Live, archives) -> dict[str, Any]:
    add_account(live.db, "team", {"alice": "user", "reader": "read-only"})
    add_account(live.db, "other", {"bob": "user"})
    admin = live.client()
    assert admin.post("/v1/policies", json=policy_doc()).status_code == 200
    assert admin.put("/v1/policies/checks", json={"policyId": "checks", "active": True}
                     ).status_code == 200
    base = upload(admin, archives.base, "example/base:12")[0]
    child = upload(admin, archives.child, "example/app:1.0", "example/app:1.0-dev")[0]
    team = upload(live.client("alice", "alice-pw"), archives.other, "example/other:1")[0]
    return {"base": base, "child": child, "team": team}


def test_pings_system_and_documents(live: Live, world) -> None:
    c = live.client()
    assert c.get("/v1").json() == "v1" and c.get("/v2").json() == "v2"
    services = c.get("/v1/system").json()["service_states"]
    assert {s["servicename"] for s in services} == {"apiext", "catalog", "policy_engine",
                                                    "simplequeue", "analyzer"}
    assert all(s["status"] and s["service_detail"]["up"] for s in services)
    [feed] = c.get("/v1/system/feeds").json()
    assert feed["name"] == "vulnerabilities" and feed["enabled"] is True
    anonymous = live.client(None, None)
    for path in ("/swagger.json", "/v1/swagger.json", "/openapi.json"):
        doc = anonymous.get(path).json()
        assert doc["info"]["version"] == "0.1.20" and doc["openapi"].startswith("3.1")
    assert anonymous.get("/health").json()["status"] == "ok"
    spec = c.get("/v2/system/policy-spec").json()
    files = next(g for g in spec if g["name"] == "files")
    assert files["supported_artifact_type"] == "image"
    assert "suid_or_guid_set" in {t["name"] for t in files["triggers"]}
    v1spec = c.get("/v1/system/policy_spec").json()
    assert "superceded_by" in v1spec[0] and "superseded_by" not in v1spec[0]


def test_authentication(live: Live, world) -> None:
    for client in (live.client(None, None), live.client("admin", "wrong"),
                   live.client(token="ig_nope_nope"), live.client("nobody", "x")):
        response = client.get("/v1/images")
        assert response.status_code == 401
        body = response.json()
        assert body["httpcode"] == 401 and body["message"] and "detail" in body
        assert client.get("/v1").status_code == 401  # anchore-cli's access check
    scope = admin_scope(live.db)
    key = accounts.create_api_key(live.db, scope.principal, name="ci")
    assert live.client(token=key).get("/v1/account").json()["name"] == "admin"
    basic_key = live.client("_api_key", key).get("/v1/user").json()
    assert basic_key["username"] == "admin"


def test_accounts_and_cross_account_header(live: Live, world) -> None:
    admin = live.client()
    assert admin.get("/v1/account").json()["type"] == "admin"
    as_team = live.client(account="team")
    assert as_team.get("/v1/account").json()["name"] == "team"
    assert [r["imageDigest"] for r in as_team.get("/v1/images").json()] == [
        world["team"]["imageDigest"]]
    assert as_team.get("/v1/user").json()["username"] == "admin"
    missing = live.client(account="nope").get("/v1/images")
    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    alice = live.client("alice", "alice-pw")
    assert alice.get("/v1/account").json() | {"created_at": 0, "last_updated": 0} == {
        "name": "team", "email": None, "type": "user", "state": "enabled", "created_at": 0,
        "last_updated": 0}
    denied = live.client("alice", "alice-pw", account="admin").get("/v1/images")
    assert denied.status_code == 403 and denied.json()["httpcode"] == 403
    reader = live.client("reader", "reader-pw")
    assert reader.get("/v1/images").status_code == 200
    assert reader.post("/v1/policies", json=policy_doc("x")).status_code == 403


def test_image_records(live: Live, world) -> None:
    c = live.client()
    child = world["child"]
    digest = child["imageDigest"]
    assert child["analysis_status"] == "analyzed" and child["image_type"] == "docker"
    assert sorted(d["fulltag"] for d in child["image_detail"]) == [APP, DEV]
    assert child["image_content"]["metadata"]["layer_count"] == 2
    assert child["image_content"]["metadata"]["distro"] == "debian"
    listed = c.get("/v1/images").json()
    assert {r["imageDigest"] for r in listed} == {digest, world["base"]["imageDigest"]}
    [found] = c.get("/v1/images", params={"fulltag": "example/app:1.0",
                                          "history": "false"}).json()
    assert found["imageDigest"] == digest
    # anchore-cli before API 0.1.6 sends the tag as a JSON body on a GET
    [old_style] = c.request("GET", "/v1/images?history=false",
                            content=json.dumps({"tag": "example/app:1.0"})).json()
    assert old_style["imageDigest"] == digest
    [history] = c.get("/v1/images", params={"fulltag": APP, "history": "True"}).json()
    assert history["imageDigest"] == digest
    assert c.get("/v1/images", params={"fulltag": "example/nope:1"}).status_code == 404
    assert c.get(f"/v1/images/{digest}").json()[0]["imageDigest"] == digest
    encoded = c.get(f"/v1/images/{digest.replace(':', '%3A')}?history=false")
    assert encoded.json()[0]["imageDigest"] == digest
    image_id = child["image_detail"][0]["imageId"]
    assert c.get(f"/v1/images/by_id/{image_id}").json()[0]["imageDigest"] == digest
    v2 = c.get("/v2/images").json()["items"]
    assert {r["image_digest"] for r in v2} == {digest, world["base"]["imageDigest"]}
    assert c.get(f"/v2/images/{digest}").json()["image_detail"][0]["full_tag"] in (APP, DEV)
    assert c.get("/v2/images", params={"full_tag": "example/app:1.0"}).json()["items"][0][
        "image_digest"] == digest


def test_content_metadata_and_vulnerability_views(live: Live, world) -> None:
    c = live.client()
    digest = world["child"]["imageDigest"]
    types = c.get(f"/v1/images/{digest}/content").json()
    assert "os" in types and "files" in types
    files = c.get(f"/v1/images/{digest}/content/files").json()
    assert files["imageDigest"] == digest and files["content_type"] == "files"
    assert {"filename": "/usr/bin/newgrp", "size": 4} in [
        {"filename": f["filename"], "size": f["size"]} for f in files["content"]]
    assert c.get(f"/v1/images/{digest}/content/os").json()["content"] == []
    assert c.get(f"/v2/images/{digest}/content/files").json()["image_digest"] == digest
    assert c.get(f"/v1/images/{digest}/content/nope").status_code == 404
    assert c.get(f"/v1/images/{digest}/metadata").json() == ["docker_history", "dockerfile"]
    meta = c.get(f"/v1/images/{digest}/metadata/dockerfile").json()
    assert meta["metadata_type"] == "dockerfile"
    base64.b64decode(meta["metadata"])
    assert c.get(f"/v1/images/{digest}/metadata/manifest").status_code == 404
    assert c.get(f"/v1/images/{digest}/vuln").json() == ["os", "non-os", "all"]
    for vtype in ("os", "non-os", "all"):
        assert c.get(f"/v1/images/{digest}/vuln/{vtype}?vendor_only=True").json() == {
            "imageDigest": digest, "vulnerability_type": vtype, "vulnerabilities": []}
        assert c.get(f"/v2/images/{digest}/vuln/{vtype}").json()["vulnerabilities"] == []
    assert c.get(f"/v1/images/{digest}/vuln/bogus").status_code == 404


def test_ancestors(live: Live, world) -> None:
    c = live.client()
    [ancestor] = c.get(f"/v2/images/{world['child']['imageDigest']}/ancestors").json()
    assert ancestor["image_digest"] == world["base"]["imageDigest"]
    assert ancestor["tags"] == [BASE_TAG] and ancestor["chosen_base_image"] is True
    assert c.get(f"/v2/images/{world['base']['imageDigest']}/ancestors").json() == []


def _v2(c: httpx.Client, digest: str, **params: str) -> Any:
    response = c.get(f"/v2/images/{digest}/check", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_v2_check_verdicts_are_per_tag(live: Live, world) -> None:
    c = live.client()
    digest = world["child"]["imageDigest"]
    strict = _v2(c, digest, tag="example/app:1.0")
    assert strict["image_digest"] == digest and strict["evaluated_tag"] == APP
    assert strict["policy_id"] == "checks"
    [evaluation] = strict["evaluations"]
    assert (evaluation["status"], evaluation["final_action"]) == ("fail", "stop")
    findings = evaluation["details"]["findings"]
    assert sorted(f["trigger"] for f in findings) == [
        "instruction", "suid_or_guid_set", "suid_or_guid_set"]
    assert all(f["inherited_from_base"] is None for f in findings)
    assert evaluation["number_of_findings"] == 3 and evaluation["comparison_image_digest"] is None
    dev = _v2(c, digest, tag="example/app:1.0-dev")["evaluations"][0]
    assert (dev["status"], dev["final_action"]) == ("pass", "warn")
    unversioned = c.get(f"/images/{digest}/check", params={"tag": "example/app:1.0"}).json()
    assert unversioned["evaluations"][0]["status"] == "fail"
    image_id = world["child"]["image_detail"][0]["imageId"]
    by_id = c.get(f"/v2/images/by_id/{image_id}/check", params={"tag": APP}).json()
    assert by_id["image_digest"] == digest
    brief = _v2(c, digest, tag=APP, detail="false")["evaluations"][0]
    assert brief["details"] is None and brief["number_of_findings"] == 3
    assert _v2(c, digest, tag=APP, interactive="true")["evaluations"][0]["status"] == "fail"


def test_v2_base_digest_marks_inherited_findings(live: Live, world) -> None:
    c = live.client()
    digest, base = world["child"]["imageDigest"], world["base"]["imageDigest"]
    for value in ("auto", base):
        [evaluation] = _v2(c, digest, tag=APP, base_digest=value)["evaluations"]
        assert evaluation["comparison_image_digest"] == base
        marks = {(f["message"].split(" ")[-3], f["inherited_from_base"])
                 for f in evaluation["details"]["findings"] if f["trigger"] != "instruction"}
        assert marks == {("/usr/bin/passwd.", True), ("/usr/bin/newgrp.", False)}
    unrelated = c.get(f"/v2/images/{digest}/check", params={
        "tag": APP, "base_digest": "sha256:" + "0" * 64})
    assert unrelated.status_code == 404


def test_v1_check_shape_table_and_inherited_column(live: Live, world) -> None:
    c = live.client()
    digest = world["child"]["imageDigest"]
    # exactly as anchore-cli sends it: tag not URL-encoded, booleans lower-case
    body = c.get(f"/v1/images/{digest}/check?history=false&detail=true&tag=example/app:1.0"
                 ).json()
    [[found_digest, by_tag]] = [next(iter(e.items())) for e in body]
    assert found_digest == digest and list(by_tag) == [APP]
    [evaluation] = by_tag[APP]
    assert evaluation["status"] == "fail" and evaluation["policyId"] == "checks"
    result = evaluation["detail"]["result"]
    image_id = result["image_id"]
    table = result["result"][image_id]["result"]
    assert table["header"] == ["Image_Id", "Repo_Tag", "Trigger_Id", "Gate", "Trigger",
                               "Check_Output", "Gate_Action", "Whitelisted", "Policy_Id"]
    assert table["row_count"] == 3 and table["final_action"] == "stop"
    assert {(r[3], r[4], r[6], r[7]) for r in table["rows"]} == {
        ("files", "suid_or_guid_set", "stop", False),
        ("dockerfile", "instruction", "warn", False)}
    assert result["final_action_reason"] == "policy_evaluation"
    assert evaluation["detail"]["policy"]["id"] == "checks"
    brief = c.get(f"/v1/images/{digest}/check", params={"tag": APP, "detail": "False"}).json()
    assert brief[0][digest][APP][0]["detail"] == {}
    dev = c.get(f"/v1/images/{digest}/check", params={"tag": "example/app:1.0-dev"}).json()
    assert dev[0][digest][DEV][0]["status"] == "pass"
    based = c.get(f"/v1/images/{digest}/check", params={"tag": APP, "base_digest": "auto"}
                  ).json()[0][digest][APP][0]["detail"]["result"]
    assert based["base_image_digest"] == world["base"]["imageDigest"]
    table = based["result"][image_id]["result"]
    assert table["header"][9] == "Inherited_From_Base"
    assert {(r[5].split(" ")[-3], r[9]) for r in table["rows"] if r[4] != "instruction"} == {
        ("/usr/bin/passwd.", True), ("/usr/bin/newgrp.", False)}
    assert all(len(r) == 10 for r in table["rows"])
    image_id_check = c.get(f"/v1/images/by_id/{image_id}/check", params={"tag": APP}).json()
    assert image_id_check[0][digest][APP][0]["status"] == "fail"


def test_history_and_policy_by_id(live: Live, world) -> None:
    c = live.client(account="admin")
    digest = world["child"]["imageDigest"]
    first = _v2(c, digest, tag="example/app:2.0", policy_id="checks")["evaluations"]
    assert len(first) == 1
    item = {"id": "newgrp", "gate": "files", "trigger_id": "*"}
    changed = policy_doc(items=(item,))
    [updated] = c.put("/v1/policies/checks", json={"policyId": "checks",
                                                   "policybundle": changed}).json()
    assert updated["policybundle"]["allowlists"][0]["items"] == [item]
    history = _v2(c, digest, tag="example/app:2.0", history="true")["evaluations"]
    assert len(history) == 2 and history[0]["status"] == "pass"
    assert history[1]["status"] == "fail"
    assert history[0]["evaluation_time"] >= history[1]["evaluation_time"]
    v1 = c.get(f"/v1/images/{digest}/check", params={"tag": "example/app:2.0",
                                                     "history": "true"}).json()
    assert [e["status"] for e in v1[0][digest]["docker.io/example/app:2.0"]] == ["pass", "fail"]
    allowlisted = history[0]["details"]["findings"]
    assert {f["allowlisted"] for f in allowlisted if f["gate"] == "files"} == {True}
    c.put("/v1/policies/checks", json={"policyId": "checks", "policybundle": policy_doc()})


def test_check_errors(live: Live, world) -> None:
    c = live.client()
    digest = world["child"]["imageDigest"]
    missing_tag = c.get(f"/v2/images/{digest}/check")
    assert missing_tag.status_code == 400 and "tag" in missing_tag.json()["message"]
    assert c.get(f"/v1/images/{digest}/check").status_code == 400
    unknown = c.get(f"/v2/images/sha256:{'a' * 64}/check", params={"tag": APP})
    assert unknown.status_code == 404 and unknown.json()["httpcode"] == 404
    assert c.get(f"/v2/images/{digest}/check", params={"tag": APP, "detail": "maybe"}
                 ).status_code == 400
    assert c.get(f"/v2/images/{digest}/check", params={"tag": APP, "policy_id": "nope"}
                 ).status_code == 404
    raw = httpx.Client(base_url=live.url, auth=("admin", ADMIN_PASSWORD))
    bad = raw.get("/v1/images/not-a-digest")
    assert bad.status_code in (400, 404) and bad.json()["httpcode"] == bad.status_code
    nowhere = raw.get("/v1/nowhere")
    assert nowhere.status_code == 404 and nowhere.json()["message"] == "no such route"
    assert raw.patch("/v1/images").json()["httpcode"] == 405


def test_policies_crud(live: Live, world) -> None:
    c = live.client("alice", "alice-pw")
    added = c.post("/v1/policies?detail=True", json=policy_doc("p1")).json()
    assert added["policyId"] == "p1" and added["active"] is False
    assert added["policybundle"]["id"] == "p1" and added["policy_source"] == "local"
    listed = c.get("/v1/policies?detail=False").json()
    assert {p["policyId"] for p in listed} >= {"p1"} and "policybundle" not in listed[0]
    [record] = c.get("/v1/policies/p1?detail=True").json()
    activated = c.put("/v1/policies/p1", json={**record, "active": True}).json()
    assert activated[0]["active"] is True
    assert [p["policyId"] for p in c.get("/v1/policies").json() if p["active"]] == ["p1"]
    refused = c.delete("/v1/policies/p1")
    assert refused.status_code == 400 and "active" in refused.json()["message"]
    bad = c.post("/v1/policies", json={"id": "bad", "version": "2", "rule_sets": [
        {"id": "r", "name": "r", "version": "2", "rules": [rule_bad()]}], "mappings": []})
    assert bad.status_code == 400 and bad.json()["detail"]["validation_details"]
    mismatch = c.put("/v1/policies/p1", json={"policyId": "other", "active": True})
    assert mismatch.status_code == 400
    v2 = c.post("/v2/policies", json=policy_doc("p2")).json()
    assert v2["policy_id"] == "p2" and v2["policy"]["id"] == "p2"
    assert c.put("/v2/policies/p2?active=true").json()["active"] is True
    assert c.get("/v2/policies/p1").json()["active"] is False
    assert {p["policy_id"] for p in c.get("/v2/policies").json()} >= {"p1", "p2"}
    assert c.delete("/v2/policies/p1").status_code == 200
    assert c.get("/v1/policies/p1").status_code == 404
    assert c.put("/v1/policies/p2", json={"active": False}).status_code == 400


def rule_bad() -> dict[str, Any]:
    return {"id": "x", "gate": "nogate", "trigger": "nope", "action": "STOP", "params": []}


def test_image_add_by_tag_and_delete(live: Live, world, archives) -> None:
    c = live.client()
    known = c.post("/v1/images?autosubscribe=True", json={"tag": "example/app:1.0"})
    assert known.status_code == 200
    assert known.json()[0]["imageDigest"] == world["child"]["imageDigest"]
    unknown = c.post("/v1/images", json={"tag": "example/never:1"})
    assert unknown.status_code == 400
    # an unknown tag is pulled from its registry: none is reachable here, and the error says
    # which registry could not be reached; nothing is stored
    assert "registry-1.docker.io" in unknown.json()["message"]
    assert c.get("/v1/images", params={"fulltag": "docker.io/example/never:1"}).status_code \
        in (200, 404)
    assert c.post("/v1/images", json={"nothing": 1}).status_code == 400
    v2 = c.post("/v2/images", json={"source": {"tag": {"pull_string": "example/base:12"}}})
    assert v2.json()["image_digest"] == world["base"]["imageDigest"]
    bob = live.client("bob", "bob-pw")
    added = upload(bob, archives.other, "example/bob:1")[0]
    assert bob.delete(f"/v1/images/{added['imageDigest']}").status_code == 200
    assert bob.get(f"/v1/images/{added['imageDigest']}").status_code == 404
    broken = bob.post("/v1/images", params={"tag": "example/broken:1"}, content=b"not a tar",
                      headers={"content-type": "application/x-tar"})
    assert broken.status_code == 400
    assert bob.get("/v1/images").json() == []


def test_upload_limit_disconnect_and_timeout(tmp_path, archives) -> None:
    size = archives.child.stat().st_size
    env = {"IMAGEGATE_MAX_UPLOAD_BYTES": str(size - 1), "IMAGEGATE_REQUEST_TIMEOUT": "3"}
    with serve("sqlite", tmp_path, **env) as server:
        c = server.client()
        assert c.get("/v1").status_code == 200  # credentials verified (and cached) once
        too_big = c.post("/v1/images", content=archives.child.read_bytes(),
                         headers={"content-type": "application/x-tar"})
        assert too_big.status_code == 413 and too_big.json()["httpcode"] == 413
        chunks = (archives.child.read_bytes()[i:i + 1000] for i in range(0, size, 1000))
        streamed = c.post("/v1/images", content=chunks,
                          headers={"content-type": "application/x-tar"})
        assert streamed.status_code == 413
        uploads = server.settings.upload_dir
        host, port = server.url.removeprefix("http://").split(":")
        auth = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()
        head = (f"POST /v1/images?tag=x/y:1 HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Basic {auth}\r\nContent-Type: application/x-tar\r\n"
                f"Content-Length: {size - 10}\r\n\r\n").encode()
        with socket.create_connection((host, int(port))) as sock:  # goes away mid-upload
            sock.sendall(head + archives.child.read_bytes()[:500])
            time.sleep(0.3)
        with socket.create_connection((host, int(port))) as sock:  # too slow: 504
            sock.sendall(head + archives.child.read_bytes()[:500])
            sock.settimeout(10)
            answer = ""
            while not answer.endswith("}"):
                chunk = sock.recv(65536).decode()
                assert chunk, answer
                answer += chunk
            assert answer.startswith("HTTP/1.1 504"), answer
            assert '"httpcode":504' in answer
        for _ in range(50):
            if not list(uploads.iterdir()):
                break
            time.sleep(0.1)
        assert list(uploads.iterdir()) == []
        assert c.get("/v1/images").json() == []


def test_a_write_is_seen_by_the_next_check(live: Live, world) -> None:
    """The response cache never hides a change made through the same server."""
    c = live.client()
    digest = world["child"]["imageDigest"]
    url = f"/v2/images/{digest}/check?tag=example/app:3.0"
    assert c.get(url).json()["evaluations"][0]["status"] == "fail"
    assert c.get(url).json()["evaluations"][0]["status"] == "fail"  # from the cache
    item = {"id": "all-files", "gate": "files", "trigger_id": "*"}
    c.put("/v1/policies/checks", json={"policyId": "checks",
                                       "policybundle": policy_doc(items=(item,))})
    assert c.get(url).json()["evaluations"][0]["status"] == "pass"
    c.put("/v1/policies/checks", json={"policyId": "checks", "policybundle": policy_doc()})
    assert c.get(url).json()["evaluations"][0]["status"] == "fail"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_write_through_one_worker_ends_the_cached_checks_of_another(tmp_path, archives,
                                                                      kind) -> None:
    """Two servers on one catalog, each with its own pool (as two workers are): a check
    cached by one is not served once the other has written, long before the cache's
    time limit (an hour here)."""
    hour = {"IMAGEGATE_CHECK_CACHE_SECONDS": "3600"}
    with serve(kind, tmp_path / "a", **hour) as one, \
            serve_database(one.settings.database_url, tmp_path / "b", **hour) as other:
        writer, reader = one.client(), other.client()
        writer.post("/v1/policies", json=policy_doc()).raise_for_status()
        writer.put("/v2/policies/checks?active=true").raise_for_status()
        digest = upload(writer, archives.child, "example/app:1.0")[0]["imageDigest"]
        url = f"/v2/images/{digest}/check?tag={APP}"
        statuses = [reader.get(url).json()["evaluations"][0]["status"] for _ in range(3)]
        assert statuses == ["fail"] * 3  # the last two from the reader's cache
        item = {"id": "all-files", "gate": "files", "trigger_id": "*"}
        writer.put("/v1/policies/checks", json={"policyId": "checks",
                                                "policybundle": policy_doc(items=(item,))})
        # SQLite's data_version moves at once; a PostgreSQL notification takes a moment
        deadline = time.monotonic() + (0 if kind == "sqlite" else 2)
        while True:
            status = reader.get(url).json()["evaluations"][0]["status"]
            if status == "pass" or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert status == "pass"


def test_checks_without_the_response_cache(tmp_path, archives) -> None:
    with serve("sqlite", tmp_path, IMAGEGATE_CHECK_CACHE_SECONDS="0") as server:
        c = server.client()
        c.post("/v1/policies", json=policy_doc()).raise_for_status()
        c.put("/v2/policies/checks?active=true").raise_for_status()
        digest = upload(c, archives.child, "example/app:1.0")[0]["imageDigest"]
        for tag, status in ((APP, "fail"), (DEV, "pass"), (APP, "fail")):
            body = c.get(f"/v2/images/{digest}/check", params={"tag": tag}).json()
            assert body["evaluations"][0]["status"] == status


def test_imagegate_serve_with_two_workers(tmp_path, archives) -> None:
    """`imagegate serve --workers 2` (the uvicorn factory reading the environment)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "IMAGEGATE_HOME": str(tmp_path),
           "IMAGEGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'ig.db'}",
           "IMAGEGATE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    subprocess.run([sys.executable, "-m", "app.cli", "admin", "init"], env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port),
                               "--workers", "2"], env=env, stderr=subprocess.DEVNULL)
    try:
        c = httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=("admin", ADMIN_PASSWORD),
                         timeout=60)
        for _ in range(300):
            try:
                if c.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        digest = upload(c, archives.child, "example/app:1.0")[0]["imageDigest"]
        checked = c.get(f"/v1/images/{digest}/check", params={"tag": APP}).json()
        assert checked[0][digest][APP][0]["status"] == "pass"  # the default policy: warn
    finally:
        server.terminate()
        server.wait(30)
