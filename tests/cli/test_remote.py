"""Remote mode: the same commands against a real uvicorn server (on loopback, a free port)
serving the very catalog the embedded CLI opens (one SQLite file), compared byte for byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.errors import InvalidInputError
from app.services import accounts
from tests.analysis.builders import D, F, docker_archive, oci_layout
from tests.analysis.registry_server import htpasswd, start_registry
from tests.analysis.test_registry import USERS, setup  # noqa: F401 - the registry fixture
from tests.api.conftest import ADMIN_PASSWORD, Live, serve
from tests.cli.conftest import Cli, Result, strict_policy
from tests.services.test_feeds import GRYPE, POLICY, PYPA, python_layer

APP = "docker.io/example/app:1.0"


@dataclass
class Both:
    cli: Cli
    live: Live

    def embedded(self, *argv: str) -> Result:
        return self.cli(*argv)

    def remote(self, *argv: str) -> Result:
        return self.cli("--url", self.live.url, *argv)


@pytest.fixture
def both(cli, tmp_path, monkeypatch) -> Iterator[Both]:
    """One catalog (a SQLite file), opened embedded and served by a real server."""
    with serve("sqlite", tmp_path / "server", IMAGEGATE_CHECK_CACHE_SECONDS="0") as live:
        monkeypatch.setenv("IMAGEGATE_DATABASE_URL", live.settings.database_url)
        monkeypatch.setenv("IMAGEGATE_USERNAME", "admin")
        monkeypatch.setenv("IMAGEGATE_PASSWORD", ADMIN_PASSWORD)
        yield Both(cli, live)


@pytest.fixture
def loaded(both, archives) -> Both:
    """The base and app images added remotely (uploads), the strict policy embedded."""
    assert both.remote("image", "add", archives.base).code == 0
    added = both.remote("image", "add", archives.app, "-o", "json")
    assert added.code == 0, added.err
    assert added.json()["tags"] == [APP]
    stored = both.embedded("policy", "add", both.cli.write_policy(strict_policy()),
                           "--activate")
    assert stored.code == 0, stored.err
    other = strict_policy("other", "Other")
    other["mappings"][1]["rule_set_ids"] = ["lenient"]
    assert both.remote("policy", "add", both.cli.write_policy(other, "other.json")).code == 0
    return both


def same(both: Both, *argv: str) -> Result:
    """Embedded first (it stores the evaluation), then remote (the server reuses it): the
    same exit code, stdout and stderr."""
    here = both.embedded(*argv)
    there = both.remote(*argv)
    assert (there.code, there.out, there.err) == (here.code, here.out, here.err), argv
    return here


CHECKS = [
    ("-o", "json"),
    ("-o", "json", "--detail"),
    ("-o", "json", "--detail", "--history"),
    ("-o", "json", "--detail", "--base-digest", "auto"),
    ("-o", "json", "--detail", "-p", "other"),
    ("-o", "json-raw"),
    ("-o", "json-raw", "--detail", "--base-digest", "auto"),
    (),
    ("--detail",),
    ("--detail", "--history", "--base-digest", "auto"),
    ("-o", "csv"), ("-o", "html"), ("-o", "sarif"), ("-o", "junit"), ("-o", "markdown"),
]


@pytest.mark.parametrize("options", CHECKS, ids=lambda o: " ".join(o) or "text")
def test_the_same_check_embedded_and_remote_is_byte_identical(loaded, options):
    result = same(loaded, "image", "check", "example/app:1.0", *options)
    assert result.code == 0 and result.out and result.err == ""


@pytest.mark.parametrize("options", [("-o", "json", "--detail", "--base-digest", "auto"),
                                     ("--detail",), ("-o", "junit")])
def test_a_check_evaluated_by_the_server_reads_the_same_embedded(loaded, options):
    there = loaded.remote("image", "check", "example/app:1.0", *options)
    here = loaded.embedded("image", "check", "example/app:1.0", *options)
    assert (there.code, there.out, there.err) == (here.code, here.out, here.err)


def test_history_and_exit_codes_are_identical(loaded):
    for _ in range(2):
        same(loaded, "image", "check", "example/app:1.0", "--detail")
    history = same(loaded, "image", "check", "example/app:1.0", "--history", "-o", "json")
    assert len(history.json()["evaluations"]) >= 1
    assert same(loaded, "image", "check", "example/app:1.0", "-f").code == 1
    digest = loaded.embedded("image", "get", "example/app:1.0", "-o", "json").json()["digest"]
    assert same(loaded, "image", "check", digest, "-t", "example/app:1.0-dev", "-f").code == 0
    image_id = loaded.embedded("image", "get", APP, "-o", "json").json()["image_id"]
    assert same(loaded, "image", "check", image_id[:12], "-t", APP, "-o", "json").code == 0
    for argv in (("image", "check", digest),  # no tag
                 ("image", "check", "example/app:1.0", "-p", "no-such-policy"),
                 ("image", "check", "sha256:" + "0" * 64, "-t", "x:1"),
                 ("image", "check", "example/app:1.0", "--base-digest", "sha256:" + "1" * 64),
                 ("image", "get", "example/nope:1"),
                 ("policy", "get", "no-such-policy")):
        failed = same(loaded, *argv)
        assert failed.code == 2 and failed.out == "" and len(failed.err.splitlines()) == 1


def test_listings_and_views_are_identical(loaded):
    for argv in (("policy", "list"), ("policy", "list", "-o", "json"),
                 ("policy", "get"), ("policy", "get", "other", "-o", "json", "--detail"),
                 ("image", "list"), ("image", "list", "-o", "json"),
                 ("image", "get", "example/app:1.0"), ("image", "get", APP, "-o", "json"),
                 ("image", "ancestors", "example/app:1.0"),
                 ("image", "ancestors", "example/app:1.0", "-o", "json"),
                 ("image", "content", "example/app:1.0", "os"),
                 ("image", "content", "example/app:1.0", "files"),
                 ("image", "content", "example/app:1.0", "os", "-o", "json"),
                 ("image", "content", "example/app:1.0", "files", "-o", "json"),
                 ("image", "vuln", "example/app:1.0", "all"),
                 ("image", "vuln", "example/app:1.0", "all", "-o", "json"),
                 ("feed", "list")):
        result = same(loaded, *argv)
        assert result.code == 0 and result.out


def test_the_real_process_in_remote_mode(loaded):
    env = {"IMAGEGATE_URL": loaded.live.url, "IMAGEGATE_DATABASE_URL": "sqlite:///nowhere.db"}
    failed = loaded.cli.process("image", "check", "example/app:1.0", "--detail", "-f", env=env)
    assert failed.code == 1 and failed.err == "" and failed.out.startswith(f"FAIL  {APP}\n")
    passed = loaded.cli.process("image", "check", "example/app:1.0", "-t", f"{APP}-dev",
                                "-f", env=env)
    assert passed.code == 0 and passed.out.startswith(f"PASS  {APP}-dev\n")
    missing = loaded.cli.process("policy", "get", "nope", env=env)
    assert (missing.code, missing.err) == (2, "imagegate: policy 'nope' not found\n")


def test_remote_writes_policies_and_deletes_images(loaded, archives):
    assert loaded.remote("policy", "activate", "other").out == "activated policy other\n"
    assert loaded.embedded("policy", "get", "-o", "json").json()["policy_id"] == "other"
    assert loaded.remote("policy", "delete", "strict-ci").out == "deleted policy strict-ci\n"
    refused = loaded.remote("policy", "delete", "other")
    assert refused.code == 2 and "is the active policy" in refused.err
    assert loaded.remote("image", "check", "example/app:1.0").out.startswith("PASS")
    digest = loaded.remote("image", "get", "example/base:12", "-o", "json").json()["digest"]
    assert loaded.remote("image", "delete", "example/base:12").out == f"deleted {digest}\n"
    assert "example/base" not in loaded.embedded("image", "list").out


@pytest.mark.parametrize(("env", "reason"), [
    ({"IMAGEGATE_PASSWORD": "wrong"}, "invalid"),
    ({"IMAGEGATE_USERNAME": "", "IMAGEGATE_PASSWORD": ""}, "authentication required"),
    ({"IMAGEGATE_USERNAME": "", "IMAGEGATE_API_KEY": "not-a-key"}, ""),
])
def test_authentication_failures_exit_2_with_one_line(loaded, monkeypatch, env, reason):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for argv in (("image", "list"), ("image", "check", "example/app:1.0", "-f"),
                 ("policy", "list")):
        result = loaded.remote(*argv)
        assert result.code == 2 and result.out == ""
        [line] = result.err.splitlines()
        assert line.startswith(f"imagegate: {loaded.live.url}: ") and reason in line.lower()
        assert "IMAGEGATE_API_KEY" in line


def test_an_api_key_and_an_account_header(loaded, monkeypatch):
    db = loaded.live.db
    admin = accounts.authenticate_password(db, username="admin", password=ADMIN_PASSWORD)
    key = accounts.create_api_key(db, admin, name="ci")
    monkeypatch.delenv("IMAGEGATE_USERNAME")
    monkeypatch.delenv("IMAGEGATE_PASSWORD")
    monkeypatch.setenv("IMAGEGATE_API_KEY", key)
    assert loaded.remote("image", "check", "example/app:1.0", "-f").code == 1
    monkeypatch.setenv("IMAGEGATE_ACCOUNT", "nobody")
    result = loaded.remote("image", "list")
    assert result.code == 2 and "nobody" in result.err


def test_an_oci_layout_directory_is_uploaded_as_an_oci_archive(both, tmp_path):
    layout = tmp_path / "layout"
    oci_layout(str(layout), [[D("etc"), F("etc/os-release", 'ID=debian\nVERSION_ID="12"\n')]],
               ref="example/oci:1")
    remote = both.remote("image", "add", str(layout), "--tag", "example/oci:1", "-o", "json")
    assert remote.code == 0, remote.err
    info = remote.json()
    assert info["tags"] == ["docker.io/example/oci:1"] and info["distro"] == "debian"
    assert same(both, "image", "get", "example/oci:1", "-o", "json").json() == info


def test_sources_remote_mode_cannot_send_are_named(both, tmp_path):
    rootfs = tmp_path / "rootfs"
    (rootfs / "etc").mkdir(parents=True)
    (rootfs / "etc" / "os-release").write_text("ID=debian\n")
    result = both.remote("image", "add", str(rootfs))
    assert result.code == 2 and "cannot send a root filesystem directory" in result.err
    sbom = tmp_path / "sbom.json"
    sbom.write_text(json.dumps({"artifacts": []}))
    result = both.remote("image", "add", str(sbom))
    assert result.code == 2 and "cannot send an SBOM file" in result.err
    assert len(result.err.splitlines()) == 1


def _grype_image(tmp_path):
    status = ("Package: libssl1.1\nStatus: install ok installed\nArchitecture: amd64\n"
              "Version: 1.1.1k-1\n\n")
    layer = [D("etc"), F("etc/os-release", 'ID=debian\nVERSION_ID="11"\n'), D("var"),
             D("var/lib"), D("var/lib/dpkg"), F("var/lib/dpkg/status", status)]
    return docker_archive(str(tmp_path / "ssl.tar"), [layer], tags=("example/ssl:1",)).path


@pytest.mark.parametrize("mode", ["embedded", "remote"])
def test_image_add_vulns_attaches_a_grype_report(both, tmp_path, mode):
    run = getattr(both, mode)
    report = tmp_path / "grype.json"
    report.write_text(json.dumps(GRYPE))
    added = run("image", "add", _grype_image(tmp_path), "--vulns", str(report))
    assert added.code == 0, added.err
    assert "vulns      1 matches from" in added.out
    [vuln] = run("image", "vuln", "example/ssl:1", "os", "-o", "json").json()
    assert (vuln["vuln"], vuln["package_name"], vuln["severity"]) == (
        "CVE-2021-3711", "libssl1.1", "Critical")  # Anchore's vuln listing
    assert run("policy", "add", both.cli.write_policy(POLICY), "--activate").code == 0
    check = run("image", "check", "example/ssl:1", "-o", "json", "--detail", "-f")
    assert check.code == 1
    [finding] = [f for f in check.json()["evaluations"][0]["findings"]
                 if f["trigger"] == "package"]
    assert "libssl1.1" in finding["message"] and "CVE-2021-3711" in finding["message"]
    report.write_text('{"no": "matches"}')
    bad = run("image", "add", _grype_image(tmp_path), "--vulns", str(report))
    assert bad.code == 2 and "not a Grype JSON report" in bad.err


def test_feed_import_remote_needs_an_admin_and_matches_images(both, tmp_path, monkeypatch):
    py = docker_archive(str(tmp_path / "py.tar"), [python_layer()], tags=("example/py:1",))
    assert both.remote("image", "add", py.path).code == 0
    imported = both.remote("feed", "import", str(PYPA))  # a directory: zipped on the fly
    assert imported.code == 0, imported.err
    assert "1 images re-matched, 1 changed" in imported.out
    assert same(both, "feed", "list", "-o", "json").json()[0]["feed"] == "osv"
    assert len(same(both, "image", "vuln", "example/py:1", "all").out.splitlines()) > 2
    found = both.remote("image", "vuln", "example/py:1", "all", "-o", "json").json()
    assert {v["package_name"] for v in found} >= {"Django", "requests"}
    db = both.live.db
    admin = accounts.scope_for(db, accounts.authenticate_password(
        db, username="admin", password=ADMIN_PASSWORD))
    accounts.create_user(db, admin, username="reader", password="reader-pw", role="user")
    monkeypatch.setenv("IMAGEGATE_USERNAME", "reader")
    monkeypatch.setenv("IMAGEGATE_PASSWORD", "reader-pw")
    denied = both.remote("feed", "import", str(PYPA))
    assert denied.code == 2 and "only admins import" in denied.err


def test_admin_commands_refuse_remote_mode(both, monkeypatch):
    for argv in (("admin", "key", "add", "ci"), ("admin", "migrate")):
        result = both.remote(*argv)
        assert result.code == 2 and "not through a server" in result.err
    monkeypatch.setenv("IMAGEGATE_URL", both.live.url)
    assert both.embedded("admin", "init").code == 2


def test_a_reference_not_in_the_catalog_is_pulled_by_the_server(cli, tmp_path, monkeypatch,
                                                                 setup):  # noqa: F811
    host = setup.registry.host
    with serve("sqlite", tmp_path / "server", IMAGEGATE_CHECK_CACHE_SECONDS="0",
               IMAGEGATE_INSECURE_REGISTRIES=f"other.example:5000, {host}") as live:
        assert live.settings.insecure_registries == ("other.example:5000", host)
        monkeypatch.setenv("IMAGEGATE_DATABASE_URL", live.settings.database_url)
        monkeypatch.setenv("IMAGEGATE_USERNAME", "admin")
        monkeypatch.setenv("IMAGEGATE_PASSWORD", ADMIN_PASSWORD)
        both = Both(cli, live)
        assert both.remote("policy", "add", cli.write_policy(strict_policy())).code == 0
        pulled = both.remote("image", "check", setup.ref, "--detail", "-o", "json")
        assert pulled.code == 0, pulled.err
        assert pulled.json()["tag"] == setup.ref
        [image] = both.embedded("image", "list", "-o", "json").json()
        assert (image["source"], image["tags"]) == ("registry", [setup.ref])
        assert both.embedded("image", "check", setup.ref, "--detail", "-o", "json").out == (
            pulled.out)
        known = both.remote("image", "check", setup.ref, "--insecure-registry", host)
        assert known.code == 0  # in the catalog now: nothing to pull
        missing = both.remote("image", "add", "127.0.0.1:9/example/nope:1")
        assert missing.code == 2 and len(missing.err.splitlines()) == 1


def test_the_server_pulls_with_its_own_registry_credentials(cli, tmp_path, monkeypatch,
                                                             setup):  # noqa: F811
    path = htpasswd(setup.work / "server-htpasswd", USERS)
    registry = start_registry(setup.work / "server-basic-registry", setup.storage,
                              auth={"htpasswd": {"realm": "basic-realm", "path": str(path)}})
    ref = f"{registry.host}/test/app:1.0"
    try:
        with serve("sqlite", tmp_path / "server", IMAGEGATE_INSECURE_REGISTRIES=registry.host,
                   IMAGEGATE_REGISTRY_USERNAME="alice",
                   IMAGEGATE_REGISTRY_PASSWORD="wonderland") as live:
            monkeypatch.setenv("IMAGEGATE_USERNAME", "admin")
            monkeypatch.setenv("IMAGEGATE_PASSWORD", ADMIN_PASSWORD)
            both = Both(cli, live)
            added = both.remote("image", "add", ref)
            assert added.code == 0, added.err
            assert ref in both.remote("image", "list").out
    finally:
        registry.stop()


def test_answers_that_are_not_imagegate_errors_are_one_line_reasons():
    import httpx

    from app.cli.remote import RemoteBackend, RemoteError
    from app.errors import NotFoundError
    from app.settings import Settings

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/images":
            return httpx.Response(502, text="<html>\n<h1>Bad Gateway</h1>\n</html>")
        if request.url.path.startswith("/v2/policies"):
            return httpx.Response(404, json={"message": "policy 'x' not found",
                                             "httpcode": 404, "detail": {}})
        raise httpx.ReadTimeout("slow", request=request)

    settings = Settings.from_env({"IMAGEGATE_URL": "http://gate.example/"})
    backend = RemoteBackend(settings, transport=httpx.MockTransport(answer))
    with pytest.raises(RemoteError, match=r"^http://gate.example: server error: HTTP 502 "):
        backend.list_images()
    with pytest.raises(NotFoundError, match=r"^policy 'x' not found$"):
        backend.get_policy("x")
    with pytest.raises(RemoteError, match="no answer in time"):
        backend.list_feeds()
    backend.close()
    with pytest.raises(InvalidInputError, match="http:// or https://"):
        RemoteBackend(Settings.from_env({"IMAGEGATE_URL": "gate.example:8228"}))


@pytest.mark.parametrize("fmt", ["sarif", "json-raw", "html"])
def test_dir_reports_are_identical(loaded, tmp_path, fmt):
    here = loaded.embedded("image", "check", "example/app:1.0", "-o", fmt, "-d",
                           str(tmp_path / "here"))
    there = loaded.remote("image", "check", "example/app:1.0", "-o", fmt, "-d",
                          str(tmp_path / "there"))
    assert (there.code, there.out) == (here.code, here.out)
    [made] = (tmp_path / "here").iterdir()
    assert (tmp_path / "there" / made.name).read_bytes() == made.read_bytes()


def test_an_upload_with_its_dockerfile(both, archives, tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nHEALTHCHECK CMD true\n")
    added = both.remote("image", "add", archives.base, "--dockerfile", str(dockerfile), "-o",
                        "json")
    assert added.code == 0, added.err
    assert added.json()["dockerfile_mode"] == "Actual"
    assert same(both, "image", "get", "example/base:12", "-o", "json").json() == added.json()
