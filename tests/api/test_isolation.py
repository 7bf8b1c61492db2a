"""Cross-account isolation through every route: a user of another account gets 404 for the
admin account's images and policies, never sees them in a listing, and changes nothing."""

from __future__ import annotations

import pytest

from app.api.rest import endpoints
from tests.api.conftest import Live, add_account, policy_doc, upload

APP = "docker.io/example/app:1.0"
ADMIN_ONLY = {"/v2/system/feeds/import"}


@pytest.fixture(scope="module")
def owned(live: Live, archives) -> dict[str, str]:
    admin = live.client()
    record = upload(admin, archives.child, "example/app:1.0")[0]
    admin.post("/v1/policies", json=policy_doc("owned"))
    add_account(live.db, "outsider", {"eve": "user"})
    return {"digest": record["imageDigest"], "image_digest": record["imageDigest"],
            "image_id": record["image_detail"][0]["imageId"], "policy_id": "owned",
            "content_type": "files", "metadata_type": "dockerfile", "vuln_type": "all"}


def test_every_route_hides_other_accounts(live: Live, owned: dict[str, str]) -> None:
    eve = live.client("eve", "eve-pw")
    admin = live.client()
    tried = 0
    for e in endpoints():
        if not e.authenticated:
            continue
        path = e.path.format(**owned)
        params = {"tag": APP} if any(p.name == "tag" and p.required for p in e.params) else {}
        if e.method == "POST":
            body = {"tag": APP} if "images" in e.path else policy_doc(f"eve{tried}")
            response = eve.post(path, params=params, json=body)
        elif e.method == "PUT":
            response = eve.put(path, json={"policyId": "owned", "active": True})
        else:
            response = eve.request(e.method, path, params=params)
        tried += 1
        if e.path in ADMIN_ONLY:
            assert response.status_code == 403, (e.method, e.path, response.text)
        elif "{" in e.path:
            assert response.status_code == 404, (e.method, e.path, response.text)
        elif e.method == "POST" and "images" in e.path:
            assert response.status_code == 400  # not the admin's record for a known tag
        else:
            assert response.status_code == 200, (e.method, e.path, response.text)
        if response.status_code == 200:
            assert owned["digest"] not in response.text, (e.method, e.path)
    assert tried > 40
    # eve's own policies are hers; the admin's is untouched
    [mine] = admin.get("/v1/policies/owned").json()
    assert mine["userId"] == "admin" and mine["active"] is False
    assert admin.get(f"/v1/images/{owned['digest']}").status_code == 200
    as_outsider = live.client(account="outsider").get("/v1/images").json()
    assert as_outsider == []
