"""End to end against a real uvicorn server on loopback (SQLite file and PostgreSQL): nested
queries, pagination, filters, mutations with union results and typed errors, authentication,
GraphiQL, masked errors and /metrics."""

from __future__ import annotations

import pytest

from app.services import accounts, policies
from tests.graphql.conftest import data, gql, policy_doc

pytestmark = pytest.mark.slow

NESTED = """query($d: String!) { image(digest: $d) {
  digest imageId distro distroVersion architecture os size layerCount layers analyzedAt
  tags { fullTag registry repository tag image { digest } history { digest } }
  base { digest tags { fullTag } }
  ancestors { digest }
  packages { totalCount edges { node { name version type source } } }
  vulnerabilities(filter: {severities: ["Critical"]}) {
    totalCount edges { node { vulnerabilityId } } }
  evaluation(baseDigest: "auto") {
    id imageDigest tag status finalAction finalActionReason policyAction evaluatedAt baseDigest
    numberOfFindings problems { severity details }
    policy { id name active }
    image { digest }
    findings { totalCount edges { node { triggerId gate trigger message action policyId ruleId
      recommendation allowlisted allowlistMatch { id name matchedRuleId } inheritedFromBase } } }
    findingsByGate { gate count triggers { trigger count findings { message } } }
  }
} }"""


def test_a_nested_query_answers_in_one_round_trip(images_added):
    s = images_added
    child, base = s.added["child"], s.added["base"]
    with s.client() as c:
        image = data(c, NESTED, {"d": child.digest})["image"]
    assert image["digest"] == child.digest and image["distro"] == "debian"
    assert image["layerCount"] == 2 and image["layers"] == child.layers
    assert image["tags"] == [{"fullTag": "docker.io/example/app:1.0", "registry": "docker.io",
                              "repository": "example/app", "tag": "1.0",
                              "image": {"digest": child.digest},
                              "history": [{"digest": child.digest}]}]
    assert image["base"] == {"digest": base.digest,
                             "tags": [{"fullTag": "docker.io/example/base:12"}]}
    assert image["ancestors"] == [{"digest": base.digest}]
    assert [p["node"]["name"] for p in image["packages"]["edges"]] == ["bash", "libc6"]
    assert image["packages"]["edges"][1]["node"]["source"] == "glibc"
    assert image["vulnerabilities"] == {"totalCount": 0, "edges": []}  # none matched
    evaluation = image["evaluation"]
    assert evaluation["status"] == "fail" and evaluation["finalAction"] == "stop"
    assert evaluation["finalActionReason"] == "policy_evaluation"
    assert evaluation["baseDigest"] == base.digest and evaluation["imageDigest"] == child.digest
    assert evaluation["tag"] == "docker.io/example/app:1.0"
    assert evaluation["policy"] == {"id": "gql", "name": "gql", "active": True}
    assert evaluation["numberOfFindings"] == evaluation["findings"]["totalCount"] == 3
    marks = {(e["node"]["message"], e["node"]["inheritedFromBase"])
             for e in evaluation["findings"]["edges"]}
    assert marks == {
        ("SUID or SGID found set on file /usr/bin/passwd. Mode: 0o104755", True),
        ("SUID or SGID found set on file /usr/bin/newgrp. Mode: 0o104755", False),
        ("Dockerfile directive 'HEALTHCHECK' not found, matching condition 'not_exists' check",
         True)}
    finding = evaluation["findings"]["edges"][0]["node"]
    assert finding["policyId"] == "strict" and finding["allowlisted"] is False
    assert len(finding["triggerId"]) == 32
    in_order = [e["node"] for e in evaluation["findings"]["edges"]]

    def messages(gate):
        return [{"message": f["message"]} for f in in_order if f["gate"] == gate]

    assert evaluation["findingsByGate"] == [
        {"gate": "files", "count": 2, "triggers": [
            {"trigger": "suid_or_guid_set", "count": 2, "findings": messages("files")}]},
        {"gate": "dockerfile", "count": 1, "triggers": [
            {"trigger": "instruction", "count": 1, "findings": messages("dockerfile")}]}]


def test_evaluations_are_stored_reused_and_forced(images_added):
    s = images_added
    digest = s.added["child"].digest
    query = "query($d: String!) { evaluation(digest: $d, tag: \"example/app:1.0\") { id } }"
    with s.client() as c:
        first = data(c, query, {"d": digest})["evaluation"]["id"]
        assert data(c, query, {"d": digest})["evaluation"]["id"] == first  # cached
        forced = data(c, """mutation($d: String!) { evaluate(digest: $d) {
            __typename ... on Evaluation { id status } } }""", {"d": digest})["evaluate"]
        assert forced["__typename"] == "Evaluation" and forced["id"] != first
        history = data(c, """query($d: String!) { image(digest: $d) {
            evaluations(tag: "example/app:1.0") { totalCount edges { node { id } } }
            other: evaluations(policyId: "nope") { totalCount } } }""", {"d": digest})["image"]
        assert [e["node"]["id"] for e in history["evaluations"]["edges"]] == [forced["id"], first]
        assert history["other"]["totalCount"] == 0
        assert data(c, query, {"d": digest})["evaluation"]["id"] == forced["id"]
        missing = data(c, """mutation { evaluate(digest: "sha256:00", tag: "a/b:c") {
            __typename ... on Error { message } } }""")["evaluate"]
        assert missing == {"__typename": "NotFound", "message": "image sha256:00 not found"}
        bad_base = data(c, """mutation($d: String!) { evaluate(digest: $d, baseDigest: $d) {
            __typename ... on Error { message } } }""", {"d": s.added["base"].digest})
        assert bad_base["evaluate"]["__typename"] == "InvalidInput"
        assert "is not an ancestor" in bad_base["evaluate"]["message"]
        metrics = c.get("/metrics").text
    assert 'imagegate_evaluation_cache_total{result="hit"}' in metrics
    assert 'imagegate_evaluation_cache_total{result="miss"}' in metrics
    assert "imagegate_evaluations_total 2.0" in metrics
    assert "imagegate_sql_statements_total" in metrics
    assert 'imagegate_graphql_requests_total{operation="anonymous",outcome="ok"}' in metrics
    assert "imagegate_graphql_request_seconds_bucket" in metrics


def test_pagination_and_filters(images_added):
    s = images_added
    page = """query($after: String) { images(first: 1, after: $after) { totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { digest } } } }"""
    with s.client() as c:
        one = data(c, page, {})["images"]
        assert one["totalCount"] == 2 and one["pageInfo"]["hasNextPage"] is True
        assert one["pageInfo"]["hasPreviousPage"] is False
        two = data(c, page, {"after": one["pageInfo"]["endCursor"]})["images"]
        assert two["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True,
                                   "endCursor": two["edges"][0]["cursor"]}
        seen = {one["edges"][0]["node"]["digest"], two["edges"][0]["node"]["digest"]}
        assert seen == {s.added["child"].digest, s.added["base"].digest}
        filtered = data(c, """{ base: images(filter: {repository: "example/base"}) {
              totalCount edges { node { digest } } }
            tagged: images(filter: {tag: "example/app:1.0"}) { edges { node { digest } } }
            debian: images(filter: {distro: "debian"}) { totalCount }
            alpine: images(filter: {distro: "alpine"}) { totalCount } }""")
        assert filtered["base"] == {"totalCount": 1,
                                    "edges": [{"node": {"digest": s.added["base"].digest}}]}
        assert filtered["tagged"]["edges"] == [{"node": {"digest": s.added["child"].digest}}]
        assert filtered["debian"]["totalCount"] == 2 and filtered["alpine"]["totalCount"] == 0
        image = data(c, """query($d: String!) { image(digest: $d) {
            bash: packages(filter: {name: "bash"}) { totalCount edges { node { version } } }
            lib: packages(filter: {nameContains: "LIB", type: "dpkg"}) { totalCount }
            page: packages(first: 1) { pageInfo { hasNextPage endCursor } }
            evaluation { stops: findings(action: "stop") { totalCount }
              docker: findings(gate: "dockerfile", trigger: "instruction") { totalCount }
              allowed: findings(allowlisted: true) { totalCount }
              second: findings(first: 1, after: "b2Zmc2V0OjA=") { totalCount
                edges { cursor } pageInfo { hasPreviousPage hasNextPage } } } } }""",
                     {"d": s.added["child"].digest})["image"]
        assert image["bash"] == {"totalCount": 1, "edges": [{"node": {"version": "5.2.15-2"}}]}
        assert image["lib"]["totalCount"] == 1
        assert image["page"]["pageInfo"]["hasNextPage"] is True
        findings = image["evaluation"]
        assert findings["stops"]["totalCount"] == 2 and findings["docker"]["totalCount"] == 1
        assert findings["allowed"]["totalCount"] == 0
        assert findings["second"]["edges"] == [{"cursor": "b2Zmc2V0OjE="}]
        assert findings["second"]["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": True}
        nodes = data(c, """{ images(first: 1, after: "b2Zmc2V0OjA=") { nodes { digest }
            edges { cursor } pageInfo { startCursor endCursor } } }""")["images"]
        assert nodes["nodes"] == [two["edges"][0]["node"]]
        assert nodes["pageInfo"] == {"startCursor": "b2Zmc2V0OjE=", "endCursor": "b2Zmc2V0OjE="}
        assert nodes["edges"] == [{"cursor": "b2Zmc2V0OjE="}]
        too_big = gql(c, "{ images(first: 100000) { totalCount } }")
        assert too_big["data"] is None
        assert too_big["errors"][0]["message"] == (
            "first must be between 0 and 1000 (the maximum page size), not 100000")
        bad_cursor = gql(c, "{ images(after: \"nonsense\") { totalCount } }")
        assert "is not a cursor of this connection" in bad_cursor["errors"][0]["message"]


def test_tags_policies_and_gates(images_added):
    s = images_added
    with s.client() as c:
        d = data(c, """{ tag(fullTag: "example/app:1.0") { fullTag image { digest }
              history { digest image { tags { fullTag } } } }
            missing: tag(fullTag: "example/none:1") { fullTag }
            policies { id active }
            activePolicy { id }
            policy(id: "gql") { id name version active revision description document
              ruleSets { id rules { id gate trigger action params { name value } } }
              allowlists { id name items { id } }
              mappings { id registry repository image { type value } ruleSetIds allowlistIds }
              allowlistedImages { id } denylistedImages { id }
              evaluations { totalCount } }
            gates { name state triggers { name parameters { name required } } } }""")
    assert d["tag"]["image"] == {"digest": s.added["child"].digest}
    assert d["tag"]["history"] == [{"digest": s.added["child"].digest,
                                    "image": {"tags": [{"fullTag": "docker.io/example/app:1.0"}]}}]
    assert d["missing"] is None
    assert {p["id"]: p["active"] for p in d["policies"]}["gql"] is True
    assert d["activePolicy"] == {"id": "gql"}
    policy = d["policy"]
    assert policy["document"] == policy_doc() and policy["version"] == "2"
    assert policy["ruleSets"][0]["rules"][1]["params"] == [
        {"name": "instruction", "value": "HEALTHCHECK"}, {"name": "check", "value": "not_exists"}]
    assert policy["mappings"] == [{"id": "all", "registry": "*", "repository": "*",
                                   "image": {"type": "tag", "value": "*"},
                                   "ruleSetIds": ["strict"], "allowlistIds": ["al"]}]
    assert policy["evaluations"] == {"totalCount": 0}
    gates = {g["name"]: g for g in d["gates"]}
    assert "suid_or_guid_set" in {t["name"] for t in gates["files"]["triggers"]}
    assert len(gates) >= 15


def test_v1_bundles_show_in_the_v2_shape_with_allowlist_expiry(server):
    bundle = {"id": "v1", "name": "v1", "version": "1_0", "policies": [
        {"id": "p", "name": "p", "version": "1_0", "rules": [
            {"id": "r", "gate": "always", "trigger": "always", "action": "GO", "params": []}]}],
        "whitelists": [{"id": "w", "name": "w", "version": "1_0", "items": [
            {"id": "old", "gate": "always", "trigger_id": "*",
             "expires_on": "2020-01-01T00:00:00Z"},
            {"id": "new", "gate": "always", "trigger_id": "*",
             "expires_on": "2999-01-01T00:00:00Z"}]}],
        "mappings": [{"id": "m", "name": "m", "registry": "*", "repository": "*",
                      "image": {"type": "tag", "value": "*"}, "policy_ids": ["p"],
                      "whitelist_ids": ["w"]}], "whitelisted_images": [],
        "blacklisted_images": []}
    policies.add_policy(server.db, server.admin, bundle)
    with server.client() as c:
        policy = data(c, """{ policy(id: "v1") { version ruleSets { id rules { gate } }
            allowlists { id items { id expiresOn expired } } mappings { ruleSetIds allowlistIds }
            } }""")["policy"]
    assert policy["version"] == "1_0"
    assert policy["ruleSets"] == [{"id": "p", "rules": [{"gate": "always"}]}]
    assert policy["allowlists"] == [{"id": "w", "items": [
        {"id": "old", "expiresOn": "2020-01-01T00:00:00Z", "expired": True},
        {"id": "new", "expiresOn": "2999-01-01T00:00:00Z", "expired": False}]}]
    assert policy["mappings"] == [{"ruleSetIds": ["p"], "allowlistIds": ["w"]}]


def test_policy_mutations_return_results_or_typed_errors(server):
    fields = """__typename ... on Policy { id active revision }
        ... on PolicyInvalid { message problems { severity problemType details } }
        ... on Error { message }"""
    add = (f"mutation($doc: JSON!, $a: Boolean!) {{ addPolicy(document: $doc, activate: $a) "
           f"{{ {fields} }} }}")
    with server.client() as c:
        added = data(c, add, {"doc": policy_doc("second"), "a": False})["addPolicy"]
        assert added["__typename"] == "Policy" and added["active"] is False
        broken = policy_doc("broken")
        broken["rule_sets"][0]["rules"][0]["gate"] = "no_such_gate"
        invalid = data(c, add, {"doc": broken, "a": False})["addPolicy"]
        assert invalid["__typename"] == "PolicyInvalid"
        assert invalid["problems"] and invalid["problems"][0]["severity"] == "error"
        assert "no_such_gate" in invalid["message"]
        validation = data(c, """mutation($doc: JSON!) { validatePolicy(document: $doc) {
            __typename ... on PolicyValidation { valid problems { details } } } }""",
                          {"doc": broken})["validatePolicy"]
        assert validation["__typename"] == "PolicyValidation" and validation["valid"] is False
        activate = """mutation($id: ID!) { activatePolicy(id: $id) {
            __typename ... on Policy { id active } ... on Error { message } } }"""
        assert data(c, activate, {"id": "second"})["activatePolicy"] == {
            "__typename": "Policy", "id": "second", "active": True}
        assert data(c, activate, {"id": "nope"})["activatePolicy"] == {
            "__typename": "NotFound", "message": "policy 'nope' not found"}
        delete = """mutation($id: ID!) { deletePolicy(id: $id) {
            __typename ... on DeletedPolicy { id } ... on Error { message } } }"""
        refused = data(c, delete, {"id": "second"})["deletePolicy"]
        assert refused["__typename"] == "InvalidInput" and "active policy" in refused["message"]
        assert data(c, delete, {"id": "gql"})["deletePolicy"] == {
            "__typename": "DeletedPolicy", "id": "gql"}
        assert data(c, "{ policy(id: \"gql\") { id } }")["policy"] is None
    viewer = accounts.create_user(server.db, server.admin, username="viewer", password="v",
                                  role="read-only")
    assert viewer.role == "read-only"
    with server.client("viewer", "v") as c:
        denied = data(c, add, {"doc": policy_doc("third"), "a": True})["addPolicy"]
        assert denied["__typename"] == "PermissionDenied"
        assert "read-only" in denied["message"]


def test_authentication_api_keys_and_account_header(images_added):
    s = images_added
    query = "{ images { totalCount } }"
    with s.client(password="wrong") as c:
        body = gql(c, query, status=401)
        assert body["data"] is None
        assert body["errors"][0]["message"] == "invalid username or password"
    import httpx

    with httpx.Client(base_url=s.url) as c:
        body = gql(c, query, status=401)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    key = accounts.create_api_key(s.db, s.admin.principal, name="ci")
    with httpx.Client(base_url=s.url, headers={"authorization": f"Bearer {key}"}) as c:
        assert data(c, query)["images"]["totalCount"] == 2
    accounts.create_account(s.db, s.admin, name="team-b")
    with s.client() as c:
        body = gql(c, query, **{"x-anchore-account": "team-b"})
        assert body["data"]["images"]["totalCount"] == 0
        body = gql(c, query, status=404, **{"x-anchore-account": "no-such-account"})
        assert body["data"] is None
    accounts.create_user(s.db, s.admin, username="alice", password="a")
    with s.client("alice", "a") as c:
        assert data(c, query)["images"]["totalCount"] == 2  # her own account: admin's
        body = gql(c, query, status=403, **{"x-anchore-account": "team-b"})
        assert body["data"] is None
        assert body["errors"][0]["message"] == "user 'alice' may not act in another account"


def test_graphiql_is_served_to_a_browser(server):
    import httpx

    with httpx.Client(base_url=server.url) as c:
        page = c.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "graphiql" in page.text.lower()


def test_unexpected_errors_are_masked(images_added, monkeypatch, caplog):
    from app.services import policies as policy_service

    def broken():
        raise RuntimeError("connection to postgresql://secret@10.0.0.1 failed")

    monkeypatch.setattr(policy_service, "gate_catalogue", broken)
    with images_added.client() as c:
        body = gql(c, "{ gates { name } images { totalCount } }")
    assert body["data"] is None or body["data"].get("gates") is None
    [error] = body["errors"]
    assert error["message"] == "internal error: the server could not answer this field"
    assert "secret" not in str(body) and "RuntimeError" not in str(body)
    logged = [r for r in caplog.records if r.name == "imagegate.graphql"]
    assert logged and "gates" in logged[0].getMessage()
    assert logged[0].exc_info and "secret" in str(logged[0].exc_info[1])  # for operators


def test_metrics_label_operations_by_name_within_bounds(server):
    with server.client() as c:
        data(c, "query Gates { gates { name } }")
        gql(c, "query Gates { gates { name } }", None)
        c.post("/graphql", json={"query": "query Gates { gates { name } }",
                                 "operationName": "Gates"})
        metrics = c.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'imagegate_graphql_requests_total{operation="Gates",outcome="ok"} 3.0' in metrics.text
    from app.api.metrics import MAX_OPERATIONS, Metrics

    labels = Metrics(server.db)
    assert labels.operation_label("a-b c") == "other"
    assert labels.operation_label(None) == "anonymous"
    names = [labels.operation_label(f"Op{n}") for n in range(MAX_OPERATIONS + 5)]
    assert names[-1] == "other" and names[0] == "Op0"


GRYPE = {"matches": [
    {"vulnerability": {"id": "GHSA-aaaa-bbbb-cccc", "severity": "High",
                       "namespace": "debian:distro:debian:12", "dataSource": "https://example/1",
                       "fix": {"versions": ["5.2.15-3"], "state": "fixed"},
                       "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L",
                                 "metrics": {"baseScore": 7.5, "exploitabilityScore": 3.9,
                                             "impactScore": 3.6}}]},
     "artifact": {"name": "bash", "version": "5.2.15-2", "type": "deb",
                  "locations": [{"path": "/var/lib/dpkg/status"}]},
     "relatedVulnerabilities": [{"id": "CVE-2024-0001", "namespace": "nvd:cpe"}]},
    {"vulnerability": {"id": "CVE-2024-0002", "severity": "Low",
                       "namespace": "debian:distro:debian:12",
                       "fix": {"versions": [], "state": "wont-fix"}},
     "artifact": {"name": "libc6", "version": "2.36-9", "type": "deb", "locations": []}}]}


def test_vulnerabilities_come_from_the_catalog_with_filters(images_added, tmp_path):
    import json

    from app.services import vulnerabilities

    s = images_added
    report = tmp_path / "grype.json"
    report.write_text(json.dumps(GRYPE))
    assert vulnerabilities.attach_grype(s.db, s.admin, s.added["child"].digest, report) == 2
    with s.client() as c:
        image = data(c, """query($d: String!) { image(digest: $d) {
            all: vulnerabilities { totalCount edges { node { vulnerabilityId aliases severity
              packageName packageVersion packageType packageLocation fixVersions fixAvailable
              willNotFix url feedGroup cvss { version vector baseScore } source } } }
            high: vulnerabilities(filter: {severities: ["high", "critical"]}) { totalCount }
            fixable: vulnerabilities(filter: {fixAvailable: true}) { totalCount }
            libc: vulnerabilities(filter: {packageName: "libc6"}) {
              edges { node { vulnerabilityId } } }
            alias: vulnerabilities(filter: {vulnerabilityId: "CVE-2024-0001"}) { totalCount }
            page: vulnerabilities(first: 1) { pageInfo { hasNextPage } } } }""",
                     {"d": s.added["child"].digest})["image"]
    first = image["all"]["edges"][0]["node"]
    assert image["all"]["totalCount"] == 2
    assert first == {
        "vulnerabilityId": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2024-0001"],
        "severity": "high", "packageName": "bash", "packageVersion": "5.2.15-2",
        "packageType": "dpkg", "packageLocation": "/var/lib/dpkg/status",
        "fixVersions": ["5.2.15-3"], "fixAvailable": True, "willNotFix": False,
        "url": "https://example/1", "feedGroup": "debian:distro:debian:12",
        "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L", "baseScore": 7.5}],
        "source": "grype"}
    assert image["high"]["totalCount"] == 1 and image["fixable"]["totalCount"] == 1
    assert image["libc"]["edges"] == [{"node": {"vulnerabilityId": "CVE-2024-0002"}}]
    assert image["alias"]["totalCount"] == 1
    assert image["page"]["pageInfo"]["hasNextPage"] is True


def test_websocket_subscriptions_are_refused(server):
    websockets = pytest.importorskip("websockets")
    import asyncio

    async def connect() -> str:
        url = server.url.replace("http://", "ws://") + "/graphql"
        try:
            async with websockets.connect(url, subprotocols=["graphql-transport-ws"]):
                return "connected"
        except Exception as err:
            return type(err).__name__

    assert asyncio.run(connect()) != "connected"


def test_allowlisted_findings_carry_their_match(images_added):
    s = images_added
    doc = policy_doc("excepted", items=({"id": "suid-ok", "gate": "files", "trigger_id": "*"},))
    policies.add_policy(s.db, s.admin, doc)
    with s.client() as c:
        evaluation = data(c, """query($d: String!) { evaluation(digest: $d,
            tag: "example/app:1.0", policyId: "excepted") { status finalAction policy { id }
            allowed: findings(allowlisted: true) { totalCount nodes { action ruleAction
              allowlisted allowlistMatch { id name matchedRuleId } } }
            other: findings(allowlisted: false) { nodes { gate action allowlistMatch { id } } }
            } }""", {"d": s.added["child"].digest})["evaluation"]
    assert evaluation["status"] == "pass" and evaluation["finalAction"] == "warn"
    assert evaluation["policy"] == {"id": "excepted"}
    assert evaluation["allowed"]["totalCount"] == 2
    assert evaluation["allowed"]["nodes"][0] == {
        "action": "go", "ruleAction": "stop", "allowlisted": True,
        "allowlistMatch": {"id": "al", "name": "exceptions", "matchedRuleId": "suid-ok"}}
    assert evaluation["other"]["nodes"] == [
        {"gate": "dockerfile", "action": "warn", "allowlistMatch": None}]
