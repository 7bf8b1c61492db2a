"""Secret and content regexes, retrieved files, the guessed and actual Dockerfile."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.analysis import DEFAULT_SECRET_REGEXES, AnalysisError, AnalysisLimits, SecretMatch, analyze
from app.analysis.dockerfile import guess, instruction
from tests.analysis.builders import WH, F, S, docker_archive

AWS_ACCESS = DEFAULT_SECRET_REGEXES[0]
PRIV_KEY = "PRIV_KEY=(?i)-+BEGIN(.*)PRIVATE KEY-+"
DOCKER_AUTH = 'DOCKER_AUTH=(?i).*"auth": *".+"'
API_KEY = DEFAULT_SECRET_REGEXES[4]


def test_default_regexes_are_anchores() -> None:
    assert [r.split("=", 1)[0] for r in DEFAULT_SECRET_REGEXES] == [
        "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PRIV_KEY", "DOCKER_AUTH", "API_KEY"]
    assert PRIV_KEY in DEFAULT_SECRET_REGEXES and DOCKER_AUTH in DEFAULT_SECRET_REGEXES


def test_secret_scan_reports_files_and_lines(tmp_path: Path) -> None:
    creds = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\nregion=x\n"
    key = "junk\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"
    auth = '{"auths": {"r.io": {\n  "auth": "dXNlcjpwYXNz"\n}}}\n'
    api = "x\ny\nAPI_KEY = ABCDEFGHIJKLMNOPQRSTUVWX\n"
    layers = [[F("root/.aws/credentials", creds), F("etc/ssl/key.pem", key),
               F("root/.docker/config.json", auth), F("app/settings.env", api),
               F("gone/key.pem", key), F("big/key.pem", key + "x" * 20_000),
               S("etc/ssl/link.pem", "key.pem")],
              [WH("gone/key.pem")]]
    result = analyze(docker_archive(str(tmp_path / "img.tar"), layers).path,
                     extra_secret_regexes=["REGION=^region=.*"])
    # Line numbers count from 0, as Anchore's; symlinks are dereferenced, as Anchore's.
    assert result.secret_matches == (
        SecretMatch("/app/settings.env", API_KEY, (2,)),
        SecretMatch("/etc/ssl/key.pem", PRIV_KEY, (1,)),
        SecretMatch("/etc/ssl/link.pem", PRIV_KEY, (1,)),
        SecretMatch("/root/.aws/credentials", AWS_ACCESS, (1,)),
        SecretMatch("/root/.aws/credentials", "REGION=^region=.*", (2,)),
        SecretMatch("/root/.docker/config.json", DOCKER_AUTH, (1,)),
    )
    assert result.content_matches == ()


def test_content_regexes_and_scan_size_limit(tmp_path: Path) -> None:
    layers = [[F("etc/app.conf", "a\npassword=secret\npassword=again\n"),
               F("etc/large.conf", "password=x\n" * 10)]]
    result = analyze(docker_archive(str(tmp_path / "img.tar"), layers).path,
                     content_regexes=["PASSWORD=.*password=.*", "^a$"],
                     limits=AnalysisLimits(max_scan_size=60))
    assert result.content_matches == (
        SecretMatch("/etc/app.conf", "PASSWORD=.*password=.*", (1, 2)),
        SecretMatch("/etc/app.conf", "^a$", (0,)),
    )


def test_invalid_user_regex_is_named(tmp_path: Path) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), [[F("a", "b")]])
    with pytest.raises(AnalysisError) as err:
        analyze(built.path, extra_secret_regexes=["BAD=(unclosed"])
    assert "secret regex 'BAD=(unclosed'" in str(err.value)


def test_retrieved_files_are_the_last_regular_file(tmp_path: Path) -> None:
    layers = [[F("etc/passwd", "root:x:0:0::/root:/bin/sh\n"), F("etc/motd", "hi"),
               S("etc/motd.link", "motd")],
              [F("etc/passwd", "root:x:0:0::/root:/bin/bash\napp:x:1000:1000::/app:/bin/sh\n")]]
    result = analyze(docker_archive(str(tmp_path / "img.tar"), layers).path,
                     retrieve_files=["/etc/passwd", "/etc/motd", "/etc/missing",
                                     "/etc/motd.link"])
    assert result.retrieved_files == {
        "/etc/passwd": "root:x:0:0::/root:/bin/bash\napp:x:1000:1000::/app:/bin/sh\n",
        "/etc/motd": "hi"}  # a symlink is not retrieved, as in Anchore


def test_guessed_dockerfile_from_history(tmp_path: Path) -> None:
    history = ["/bin/sh -c #(nop) ADD file:abc in / ", '/bin/sh -c #(nop)  CMD ["bash"]',
               "/bin/sh -c apt-get update && apt-get install -y curl",
               "RUN /bin/sh -c echo hi # buildkit", "EXPOSE map[80/tcp:{}]", "",
               "USER app"]
    built = docker_archive(str(tmp_path / "img.tar"), [[F("a", "b")]], history=history)
    result = analyze(built.path, anchore_guessed_dockerfile=False)
    assert result.history == tuple(history)
    assert result.dockerfile_mode == "Guessed"
    assert result.dockerfile == ("ADD file:abc in /\nCMD [\"bash\"]\n"
                                 "RUN apt-get update && apt-get install -y curl\n"
                                 "RUN /bin/sh -c echo hi\nEXPOSE map[80/tcp:{}]\nUSER app\n")
    assert guess([]) == ""
    assert instruction("/bin/sh -c ls") == "RUN ls"


def test_guessed_dockerfile_in_anchores_form(tmp_path: Path) -> None:
    history = ["/bin/sh -c #(nop) ADD file:abc in / ", '/bin/sh -c #(nop)  CMD ["bash"]',
               "/bin/sh -c apt-get update", "ENV A=b", ""]
    built = docker_archive(str(tmp_path / "img.tar"), [[F("a", "b")]], history=history)
    result = analyze(built.path)  # Anchore's form is the default
    assert result.dockerfile == ('FROM scratch\nADD file:abc in / \nCMD ["bash"]\n'
                                 "RUN /bin/sh -c apt-get update\nRUN ENV A=b\n")


def test_actual_dockerfile(tmp_path: Path) -> None:
    built = docker_archive(str(tmp_path / "img.tar"), [[F("a", "b")]])
    result = analyze(built.path, dockerfile="FROM scratch\nHEALTHCHECK CMD true\n")
    assert (result.dockerfile_mode, result.dockerfile) == (
        "Actual", "FROM scratch\nHEALTHCHECK CMD true\n")
